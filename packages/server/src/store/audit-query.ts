import type { Dialect } from './migrations.ts';
import type { AuditQuery } from './store.ts';

/** The SQL of an audit listing and its parameters, in the placeholders of one dialect. */
export interface AuditQuerySql {
  text: string;
  params: (string | number)[];
}

/**
 * Builds the `SELECT` of {@link Store.listAuditEvents} for SQLite (`?`) or PostgreSQL (`$1`…), so
 * the two stores filter, order and page alike. Values are always parameters, never spliced.
 */
export function auditQuerySql(query: AuditQuery, dialect: Dialect): AuditQuerySql {
  const params: (string | number)[] = [];
  const placeholder = (value: string | number): string => {
    params.push(value);
    return dialect === 'sqlite' ? '?' : `$${params.length}`;
  };
  const conditions: string[] = [];
  if (query.since !== undefined) conditions.push(`time >= ${placeholder(query.since)}`);
  if (query.until !== undefined) conditions.push(`time < ${placeholder(query.until)}`);
  if (query.type !== undefined) {
    // A type or its subtypes, without LIKE: types contain `_`, a LIKE wildcard.
    conditions.push(
      `(type = ${placeholder(query.type)} OR substr(type, 1, ${placeholder(query.type.length + 1)}) = ${placeholder(`${query.type}.`)})`,
    );
  }
  if (query.userId !== undefined) conditions.push(`user_id = ${placeholder(query.userId)}`);
  if (query.clientId !== undefined) conditions.push(`client_id = ${placeholder(query.clientId)}`);
  if (query.outcome !== undefined) conditions.push(`outcome = ${placeholder(query.outcome)}`);
  if (query.after !== undefined) {
    conditions.push(`id ${query.newestFirst ? '<' : '>'} ${placeholder(query.after)}`);
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const order = query.newestFirst ? 'DESC' : 'ASC';
  return {
    text: `SELECT * FROM audit_events${where} ORDER BY id ${order} LIMIT ${placeholder(query.limit)}`,
    params,
  };
}

import {
  AUDIT_EVENT_TYPES,
  type AuditEventRecord,
  type AuditOutcome,
  type AuditQuery,
  type Store,
  usernamesOfEvents,
} from '@codegrant/server';
import type { Command } from '../command.ts';
import { CliError } from '../errors.ts';
import { jsonFlag, printRecords } from '../listing.ts';
import { dbFlag, openStore } from '../open-store.ts';
import type { ParsedArgs } from '../options.ts';

/** Events read per query when exporting everything (`--limit 0`). */
const PAGE_SIZE = 1000;

/** `codegrant audit`: lists, filters and exports the audit log. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'list, filter or export the audit log',
  details: [
    'Prints audit events in the order they happened: without --since the latest ones (--limit, default',
    '100), with --since the first ones from then. --limit 0 prints every match (an export). With --json,',
    'one JSON object per line (id, time, type, outcome, user_id, username, actor_id, actor, client_id, ip,',
    'reason, details): pipe it to a file or a log system. Times are ISO 8601 (2026-12-01T00:00:00Z) or an age',
    `such as 15m, 24h, 7d. Types: ${Object.keys(AUDIT_EVENT_TYPES).join(', ')}; a prefix such as admin`,
    'matches its subtypes. Events are kept as long as serve --audit-retention-days says (90 by default).',
  ].join('\n'),
  arguments: [],
  flags: [
    { name: 'since', type: 'string', placeholder: 'TIME', description: 'events at or after this time' },
    { name: 'until', type: 'string', placeholder: 'TIME', description: 'events before this time' },
    { name: 'type', type: 'string', placeholder: 'TYPE', description: 'events of this type or its subtypes' },
    { name: 'user', type: 'string', placeholder: 'USERNAME', description: 'events about this account' },
    { name: 'client', type: 'string', placeholder: 'CLIENT_ID', description: 'events of this client' },
    {
      name: 'outcome',
      type: 'string',
      choices: ['success', 'failure'],
      description: 'only successes or only failures',
    },
    {
      name: 'limit',
      type: 'string',
      placeholder: 'N',
      description: 'at most this many; 0 for all',
      default: '100',
    },
    jsonFlag,
    dbFlag,
  ],
  async run(args) {
    const now = Math.floor(Date.now() / 1000);
    const limit = args.integer('limit', 0, 1_000_000) ?? 100;
    const { store } = await openStore(args);
    try {
      const filter = await auditFilter(args, store, now);
      const events = await readEvents(store, filter, limit);
      const usernames = await usernamesOfEvents(store, events);
      const records = events.map((event) => ({
        id: event.id,
        time: new Date(event.time * 1000).toISOString(),
        type: event.type,
        outcome: event.outcome,
        user_id: event.userId,
        username: event.userId === null ? null : (usernames.get(event.userId) ?? null),
        actor_id: event.actorId,
        actor: event.actorId === null ? null : (usernames.get(event.actorId) ?? null),
        client_id: event.clientId,
        ip: event.ip,
        reason: event.reason,
        details: event.details,
      }));
      if (args.boolean(jsonFlag.name)) {
        printRecords(records, [], true);
      } else {
        const rows = records.map((record) => ({ ...record, details: detailsText(record.details) }));
        printRecords(
          rows,
          ['time', 'type', 'outcome', 'username', 'client_id', 'ip', 'reason', 'details'],
          false,
        );
      }
    } finally {
      await store.close();
    }
  },
};

/** The query of the flags, without its limit. @throws {CliError} on a time or user it cannot read */
async function auditFilter(args: ParsedArgs, store: Store, now: number): Promise<Omit<AuditQuery, 'limit'>> {
  const filter: Omit<AuditQuery, 'limit'> = {};
  const since = args.string('since');
  if (since !== undefined) filter.since = timeOf(since, '--since', now);
  const until = args.string('until');
  if (until !== undefined) filter.until = timeOf(until, '--until', now);
  const type = args.string('type');
  if (type !== undefined) filter.type = type;
  const client = args.string('client');
  if (client !== undefined) filter.clientId = client;
  const outcome = args.string('outcome');
  if (outcome !== undefined) filter.outcome = outcome as AuditOutcome;
  const username = args.string('user');
  if (username !== undefined) {
    // A deleted account's events keep its id: an id is taken as it is.
    filter.userId = (await store.findUserByUsername(username))?.id ?? username;
  }
  return filter;
}

/**
 * The events of `filter` in time order: the first `limit` from `since`, or else the latest `limit`;
 * every one with `limit` 0, read a page at a time.
 */
async function readEvents(
  store: Store,
  filter: Omit<AuditQuery, 'limit'>,
  limit: number,
): Promise<AuditEventRecord[]> {
  if (limit > 0 && filter.since === undefined) {
    return (await store.listAuditEvents({ ...filter, limit, newestFirst: true })).reverse();
  }
  const events: AuditEventRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const wanted = limit > 0 ? Math.min(PAGE_SIZE, limit - events.length) : PAGE_SIZE;
    const page = await store.listAuditEvents({ ...filter, limit: wanted, ...(after ? { after } : {}) });
    events.push(...page);
    if (page.length < wanted || (limit > 0 && events.length >= limit)) return events;
    after = page.at(-1)?.id;
  }
}

/** Seconds since the epoch of an ISO 8601 time or an age (`15m`, `24h`, `7d`). */
function timeOf(value: string, flag: string, now: number): number {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(age[1]) * unit;
  }
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) {
    throw new CliError(
      `${flag} must be a time (2026-12-01T00:00:00Z) or an age (15m, 24h, 7d), got "${value}"`,
    );
  }
  return Math.floor(millis / 1000);
}

function detailsText(details: AuditEventRecord['details']): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

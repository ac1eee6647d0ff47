import { resolve } from 'node:path';
import type { Store } from '@codegrant/server';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { CliError } from './errors.ts';
import type { Flag, ParsedArgs } from './options.ts';

const DEFAULT_DB = './codegrant.db';

/** `--db`, taken by every command that uses the store. */
export const dbFlag: Flag = {
  name: 'db',
  type: 'string',
  placeholder: 'PATH',
  description: 'the database, a SQLite file created if missing',
  default: DEFAULT_DB,
};

/** A store ready for use (schema migrated), and how to name it to the operator. */
export interface OpenedStore {
  store: Store;
  /** E.g. `SQLite database /srv/codegrant.db`; never a connection string, which may hold a password. */
  description: string;
}

/**
 * Opens the store that {@link dbFlag} names and brings its schema up to date: a `postgres://` URL
 * names the PostgreSQL store, anything else a SQLite file.
 *
 * @throws {CliError} when it cannot be opened
 */
export async function openStore(args: ParsedArgs): Promise<OpenedStore> {
  const db = args.string(dbFlag.name) ?? DEFAULT_DB;
  if (/^postgres(ql)?:/i.test(db)) {
    throw new CliError('the PostgreSQL store is not available yet; give --db a SQLite file path');
  }
  const path = resolve(db);
  const description = `SQLite database ${path}`;
  try {
    return { store: await openSqliteStore(path), description };
  } catch (error) {
    throw new CliError(`cannot open the ${description}: ${(error as Error).message}`);
  }
}

import { resolve } from 'node:path';
import type { Store } from '@codegrant/server';
import { openPostgresStore } from '@codegrant/server/postgres';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { CliError } from './errors.ts';
import type { Flag, ParsedArgs } from './options.ts';

const DEFAULT_DB = './codegrant.db';

/** The schema of a PostgreSQL URL without `?schema=`: PostgreSQL's own default. */
const DEFAULT_SCHEMA = 'public';

/** `--db`, taken by every command that uses the store. */
export const dbFlag: Flag = {
  name: 'db',
  type: 'string',
  placeholder: 'PATH|URL',
  description:
    'the database: a SQLite file (created if missing) or a postgres:// URL, its tables in schema public or, with ?schema=NAME, in NAME (created if missing)',
  default: DEFAULT_DB,
};

/** A store ready for use (schema migrated), and how to name it to the operator. */
export interface OpenedStore {
  store: Store;
  /**
   * E.g. `SQLite database /srv/codegrant.db` or `PostgreSQL schema public of database codegrant on
   * db:5432`; never a connection string, which may hold a password.
   */
  description: string;
}

/**
 * Opens the store that {@link dbFlag} names and brings its schema up to date: a `postgres://` or
 * `postgresql://` URL names the PostgreSQL store, anything else a SQLite file.
 *
 * @throws {CliError} when it cannot be opened
 */
export async function openStore(args: ParsedArgs): Promise<OpenedStore> {
  const db = args.string(dbFlag.name) ?? DEFAULT_DB;
  if (/^postgres(ql)?:/i.test(db)) {
    const { url, schema, description } = readPostgresUrl(db);
    return { store: await open(description, () => openPostgresStore(url, { schema })), description };
  }
  const path = resolve(db);
  const description = `SQLite database ${path}`;
  return { store: await open(description, () => openSqliteStore(path)), description };
}

/** Runs `opening`, reporting a failure as the CLI does. */
async function open(description: string, opening: () => Promise<Store>): Promise<Store> {
  try {
    return await opening();
  } catch (error) {
    throw new CliError(`cannot open the ${description}: ${(error as Error).message}`);
  }
}

/**
 * Splits `?schema=` off a PostgreSQL URL: the client would pass any query parameter on to the
 * server as a setting, and `schema` is none.
 *
 * @throws {CliError} when `db` is not a URL (without repeating it: it may hold a password)
 */
function readPostgresUrl(db: string): { url: string; schema: string; description: string } {
  let url: URL;
  try {
    url = new URL(db);
  } catch {
    throw new CliError('--db is not a valid PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  }
  const schema = url.searchParams.get('schema') || DEFAULT_SCHEMA;
  url.searchParams.delete('schema');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const description = `PostgreSQL schema ${schema} of database ${database || '(the default)'} on ${url.host || 'localhost'}`;
  return { url: url.href, schema, description };
}

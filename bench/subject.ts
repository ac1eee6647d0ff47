/**
 * The contract between the bench runner and each benchmarked server (a "subject"): the client,
 * user and PKCE verifier every subject registers, and the messages exchanged over IPC.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';

/** The one confidential client of every subject (`client_secret_basic`). */
export const CLIENT_ID = 'bench-client';
/** Long enough for codegrant's secret policy (≥ 32 characters). */
export const CLIENT_SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const REDIRECT_URI = 'https://app.example.com/callback';
export const USER_ID = 'bench-user';
/** Every pre-minted code shares this verifier: the server still hashes it once per request. */
export const CODE_VERIFIER = 'bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
export const SCOPES = ['openid', 'profile'] as const;
/** Codes outlive the whole run (the servers' code lifetime is raised to match). */
export const CODE_LIFETIME_SECONDS = 600;

/** A subject's first message: where it listens and the codes it minted, each to be redeemed once. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  codes: string[];
}

/** Runner → subject: report your resource usage (answered with a {@link UsageMessage}). */
export interface UsageQuery {
  type: 'usage?';
}

/** What a subject's serving process(es) used since they started. */
export interface Usage {
  /** CPU time, user + system, all threads (summed over the processes). */
  cpuMicros: number;
  /** Peak resident set size (`getrusage` maxrss, VmHWM on Linux), summed over the serving processes. */
  peakRssBytes: number;
}

/** Subject → runner: its {@link Usage}. */
export interface UsageMessage extends Usage {
  type: 'usage';
}

/** Runner → subject: close everything and exit. */
export interface StopMessage {
  type: 'stop';
}

/**
 * Set by the runner (`--profile NAME`): the file where the subject writes a CPU profile of the
 * time it serves, setup excluded (unlike `node --cpu-prof`, which would include minting the codes).
 */
export const PROFILE_ENV = 'BENCH_PROFILE_FILE';

/** How many codes the runner asked a subject to mint (its first argument). */
export function requestedCodeCount(): number {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count <= 0)
    throw new TypeError(`expected a code count argument, got ${process.argv[2]}`);
  return count;
}

/**
 * A free TCP port on the loopback interface. The issuer URL must name its port before the server
 * listens, hence asking the OS first; the gap until the subject listens is a few milliseconds.
 */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** This process's {@link Usage}. */
export function ownUsage(): Usage {
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  return { cpuMicros: userCPUTime + systemCPUTime, peakRssBytes: maxRSS * 1024 };
}

/**
 * The end of every subject's start-up: starts the profiler when asked, tells the runner it is
 * ready, answers usage queries (with `usage`: this process's own by default), and on stop (or
 * when the runner goes away) writes the profile, runs `close` and exits.
 */
export async function serveBench(
  ready: Omit<ReadyMessage, 'type'>,
  close: () => Promise<void>,
  usage: () => Promise<Usage> = async () => ownUsage(),
): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('a subject must be started by bench/run.ts (with an IPC channel)');
  const profileFile = process.env[PROFILE_ENV];
  const profiler = profileFile ? await startProfiler() : undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    (async () => {
      if (profiler && profileFile) writeFileSync(profileFile, JSON.stringify(await profiler()));
      await close();
    })()
      .catch((error: unknown) => console.error('subject shutdown failed:', error))
      .finally(() => process.exit(0));
  };
  process.on('message', (message: UsageQuery | StopMessage) => {
    if (message.type === 'stop') stop();
    if (message.type === 'usage?') {
      usage().then(
        (answer) => send({ type: 'usage', ...answer } satisfies UsageMessage),
        (error: unknown) => {
          // Stopping makes the runner's wait for the answer fail at once instead of hanging.
          console.error('subject usage query failed:', error);
          stop();
        },
      );
    }
  });
  process.on('disconnect', stop);
  send({ type: 'ready', ...ready } satisfies ReadyMessage);
}

/** Starts V8's sampling profiler in this process; the returned function stops it and gives the profile. */
async function startProfiler(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

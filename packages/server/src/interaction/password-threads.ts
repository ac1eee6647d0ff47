import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** What {@link scryptOnPasswordThreads} passes to `crypto.scryptSync`. */
export interface ScryptJob {
  password: string;
  salt: Buffer;
  keyLength: number;
  options: { N: number; r: number; p: number; maxmem: number };
}

/**
 * The hashing thread's whole program. Inline (`eval`), not a file of its own: it then runs the same
 * from `dist/` and from the TypeScript sources under the test loader. `getBuiltinModule`, because
 * the thread inherits the process's flags and may be evaluated as a module or as a script.
 */
const THREAD_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { scryptSync } = process.getBuiltinModule('node:crypto');
parentPort.on('message', ({ password, salt, keyLength, options }) => {
  try {
    parentPort.postMessage({ key: scryptSync(password, salt, keyLength, options) });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});`;

interface Pending {
  job: ScryptJob;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

/** One hashing thread and the job it is working on, if any. */
interface HashingThread {
  worker: Worker;
  current: Pending | undefined;
}

/** As many hashing threads as cores (at least 2): logins hash in parallel as they did on the pool. */
const maxThreads = Math.max(2, availableParallelism());
const threads: HashingThread[] = [];
const queue: Pending[] = [];

/**
 * scrypt on threads of its own instead of libuv's thread pool. Why: the pool signs every token the
 * server issues, and it serves its jobs in order, so each password hash (~50–130 ms) would hold up
 * every signature queued behind it. On threads of their own, hashes and signatures share the cores
 * through the OS scheduler instead, and the pool can be small (see `sizeThreadPoolToCores`).
 * Threads start on first use, and keep the process alive only while they hash.
 */
export function scryptOnPasswordThreads(job: ScryptJob): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    queue.push({ job, resolve, reject });
    dispatch();
  });
}

/** Gives queued jobs to idle threads, starting threads up to {@link maxThreads}. */
function dispatch(): void {
  while (queue.length > 0) {
    const thread = threads.find((candidate) => candidate.current === undefined) ?? startThread();
    if (!thread) return;
    const pending = queue.shift() as Pending;
    thread.current = pending;
    thread.worker.ref();
    thread.worker.postMessage(pending.job);
  }
}

function startThread(): HashingThread | undefined {
  if (threads.length >= maxThreads) return undefined;
  const thread: HashingThread = { worker: new Worker(THREAD_SOURCE, { eval: true }), current: undefined };
  thread.worker.on('message', (answer: { key?: Uint8Array; error?: string }) => {
    const done = thread.current;
    thread.current = undefined;
    thread.worker.unref();
    if (answer.key)
      done?.resolve(Buffer.from(answer.key.buffer, answer.key.byteOffset, answer.key.byteLength));
    else done?.reject(new Error(`scrypt failed: ${answer.error}`));
    dispatch();
  });
  // A thread that dies takes only its own job with it; the next job starts a new one.
  const retire = (error: Error) => {
    threads.splice(threads.indexOf(thread), 1);
    thread.current?.reject(error);
    thread.current = undefined;
    dispatch();
  };
  thread.worker.on('error', retire);
  thread.worker.on('exit', (code) => {
    if (threads.includes(thread)) retire(new Error(`the password hashing thread exited (code ${code})`));
  });
  threads.push(thread);
  return thread;
}

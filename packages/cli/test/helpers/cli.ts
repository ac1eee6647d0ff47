/** Running the `codegrant` executable as operators do: a child process in a temporary directory. */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/codegrant.js', import.meta.url));
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let dbCount = 0;

/** The temporary directory the commands run in (one per test file: each runs in its own process). */
export const dir = mkdtempSync(path.join(os.tmpdir(), 'codegrant-cli-'));

/** Deletes the temporary directory; call it in the test file's `after`. */
export function removeTempDir(): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** A fresh database path in the temporary directory. */
export function freshDb(): string {
  dbCount += 1;
  return path.join(dir, `test-${dbCount}.db`);
}

/** The environment of the child: this one without CODEGRANT_* variables, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CODEGRANT_')),
  );
  // The sources under test, even when an older build sits in dist/.
  return { ...env, CODEGRANT_FROM_SOURCE: '1', ...extra };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function codegrant(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd ?? dir, env: childEnv(options.env) },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Asserts a failure with `code`, reported in one line on stderr, no stack trace, nothing on stdout. */
export function assertFailure(result: Result, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface Serving {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `codegrant serve …` and resolves once it says where it listens. */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: dir, env: childEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
    const onExit = () => reject(new Error(`serve exited: ${stderr}`));
    child.once('exit', onExit);
    child.stderr.on('data', () => {
      if (!stderr.includes('listening on')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve();
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Sends SIGTERM and asserts a clean exit (code 0, said on stderr). */
export async function stopServe(serving: Serving): Promise<void> {
  const exited = once(serving.child, 'exit');
  serving.child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(signal, null);
  assert.equal(code, 0, serving.stderr());
  assert.match(serving.stderr(), /SIGTERM received, shutting down/);
}

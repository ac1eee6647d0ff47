/** Debian's Chromium for the browser tests, driven by playwright-core. */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Chromium flags for a closed network (no background traffic that would fail and stall). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Debian's Chromium, found on PATH (`npm test`'s pretest step installs it when it may), never a
 * downloaded build. Without it, this fails at once naming the missing executable.
 */
export function launchChromium(): Promise<Browser> {
  const found = spawnSync('which', ['chromium'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('chromium is not on PATH: apt-get install chromium');
  return chromium.launch({ executablePath: found.stdout.trim(), args: CHROMIUM_ARGS });
}

/** `.test-artifacts/` at the repository root (screenshots), created if missing. */
export function artifactsDirectory(): string {
  const directory = fileURLToPath(new URL('../../../../.test-artifacts/', import.meta.url));
  mkdirSync(directory, { recursive: true });
  return directory;
}

/** An app's callback for browser tests: a real loopback server answering every request with a page. */
export interface AppCallback {
  /** `http://127.0.0.1:PORT/callback`: a registered loopback redirect URI matches any port (RFC 8252 §7.3). */
  redirectUri: string;
  close(): void;
}

/** Starts {@link AppCallback}, where the browser lands with the code. */
export async function startAppCallback(): Promise<AppCallback> {
  const app = createServer((_request, response) => response.end('<h1>Signed in at the app</h1>'));
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  return {
    redirectUri: `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`,
    close: () => app.close(),
  };
}

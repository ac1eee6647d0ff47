/** Debian's Chromium for the browser tests, driven by playwright-core. */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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

// `npm test`'s first step (the `pretest` script): the browser tests need Debian's Chromium, and a fresh
// machine has none. Installs it when it is missing and this process may (root, or password-less sudo),
// else fails at once naming the command to run. Never a browser downloaded by a tool.
// CODEGRANT_NO_INSTALL=1 forbids the install (the check still fails fast).
import { execFileSync, spawnSync } from 'node:child_process';

const INSTALL = 'apt-get update && apt-get install -y chromium';

/** The path of `chromium` on PATH, or undefined. */
function findChromium() {
  const found = spawnSync('which', ['chromium'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** The command prefix that runs apt-get as root here, or undefined when this process may not. */
function rootPrefix() {
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return sudo.status === 0 ? ['sudo', '-n'] : undefined;
}

function fail(reason) {
  process.stderr.write(`pretest: ${reason}\n  run: sudo sh -c '${INSTALL}'   (Debian's chromium package)\n`);
  process.exit(1);
}

if (!findChromium()) {
  const prefix = process.env.CODEGRANT_NO_INSTALL === '1' ? undefined : rootPrefix();
  if (!prefix)
    fail('the browser tests need Chromium, which is not installed, and this user may not install it');
  if (spawnSync('which', ['apt-get']).status !== 0)
    fail('Chromium is missing and this machine has no apt-get');
  process.stderr.write("pretest: Chromium is missing; installing Debian's chromium package…\n");
  const run = (args) => {
    const [command, ...rest] = [...prefix, ...args];
    execFileSync(command, rest, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', 'chromium']);
  } catch (error) {
    fail(`installing Chromium failed (${error.message.split('\n')[0]})`);
  }
  const installed = findChromium();
  if (!installed) fail('apt-get finished but chromium is still not on PATH');
  process.stderr.write(`pretest: installed ${installed}\n`);
}

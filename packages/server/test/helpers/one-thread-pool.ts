import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs an ES module snippet (TypeScript sources importable by URL) in a Node process of its own
 * whose libuv thread pool has one thread, and returns what it printed. A process of its own,
 * because the pool's size is fixed at its first use.
 */
export async function runOnOneThreadPool(script: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=codegrant-source', '--import', 'tsx', '--input-type=module', '--eval', script],
    {
      cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    },
  );
  return stdout;
}

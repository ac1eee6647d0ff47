// Runs every test file of the monorepo with Node's test runner, TypeScript loaded by tsx and
// workspace packages resolved to their sources (the `codegrant-source` export condition).
// Node 20's `--test` does not expand globs itself, hence this file.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'examples'];
const files = [];
for (const root of roots) {
  if (!existsSync(root)) continue;
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'test');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir, { recursive: true })) {
      if (String(file).endsWith('.test.ts')) files.push(join(dir, String(file)));
    }
  }
}
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// A hung test fails after 10 minutes, and a file whose tests are done exits even if a peer left a
// handle open: a hang must fail the run, never hold it until CI's limit (the longest test takes ~1 min).
const result = spawnSync(
  process.execPath,
  [
    '--conditions=codegrant-source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=600000',
    '--test-force-exit',
    ...selected,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

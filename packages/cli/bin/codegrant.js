#!/usr/bin/env node
// Runs the built CLI; in the monorepo before a build (or with CODEGRANT_FROM_SOURCE=1, which the
// tests set so that a stale build never answers for the sources), runs the TypeScript through tsx.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(built) && !process.env.CODEGRANT_FROM_SOURCE) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  // Workspace packages resolve to their sources only under this condition. Adding it with a resolve
  // hook, rather than re-running node with --conditions, keeps one process: signals and exit codes
  // stay the CLI's own.
  registerHooks(
    'data:text/javascript,export const resolve = (specifier, context, next) => ' +
      "next(specifier, { ...context, conditions: [...context.conditions, 'codegrant-source'] });",
  );
  await import(new URL('../src/bin.ts', import.meta.url).href);
}

#!/usr/bin/env node
// Runs the built CLI; in the monorepo before a build, runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(built)) {
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

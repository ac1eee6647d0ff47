/**
 * A preload (`node --import`) that lets `@modelcontextprotocol/conformance` 0.2 start on Node 20.
 * Its bundle imports `globSync` from `fs`, which Node has only from 22 on, so on Node 20 the whole
 * CLI fails to link. It calls `globSync` only in its `tier-check` command, never in
 * `authorization`; so its `fs` import resolves to `node:fs` plus a `globSync` that says what it
 * needs. On a Node with `fs.globSync` this does nothing.
 */
import fs from 'node:fs';
import { register } from 'node:module';

const FS_WITH_GLOB_SYNC = `
import fs from 'node:fs';
export * from 'node:fs';
export default fs;
export function globSync() {
  throw new Error('fs.globSync needs Node 22 or later');
}`;

const HOOKS = `
const shim = ${JSON.stringify(`data:text/javascript,${encodeURIComponent(FS_WITH_GLOB_SYNC)}`)};
export async function resolve(specifier, context, next) {
  const fromConformance = context.parentURL?.includes('/@modelcontextprotocol/conformance/');
  if (fromConformance && (specifier === 'fs' || specifier === 'node:fs')) return { url: shim, shortCircuit: true };
  return next(specifier, context);
}`;

if (!('globSync' in fs)) register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);

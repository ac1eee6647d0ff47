/**
 * Summarizes a V8 `.cpuprofile` (as written by `npm run bench -- --profile codegrant`): the
 * functions with the most self time, self time grouped by where the code lives, and the
 * inclusive time of the server's own functions.
 *
 * Usage: `node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** A V8 CPU profile (the parts read here). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One call-tree node of a {@link CpuProfile}. */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Time spent, in milliseconds, under one name. */
export interface TimeEntry {
  name: string;
  ms: number;
  percent: number;
}

/** What {@link summarize} finds. */
export interface ProfileSummary {
  totalMs: number;
  /** Self time per function, largest first. */
  self: TimeEntry[];
  /** Self time per area (our server, hono, node internals, GC, …), largest first. */
  areas: TimeEntry[];
  /** Inclusive time of functions in `packages/`, largest first. */
  inclusiveOwn: TimeEntry[];
}

/** Attributes each sample's time to its function (self) and to every distinct caller (inclusive). */
export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    totalMs += ms;
    add(self, label(node), ms);
    add(areas, areaOf(node, byId, parent), ms);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (!frame?.callFrame.url.includes('/packages/')) continue;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusive, name, ms);
    }
  });
  const sorted = (map: Map<string, number>) =>
    [...map].map(([name, ms]) => ({ name, ms, percent: (100 * ms) / totalMs })).sort((a, b) => b.ms - a.ms);
  return { totalMs, self: sorted(self), areas: sorted(areas), inclusiveOwn: sorted(inclusive) };
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function label(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  return `${name}  ${shortUrl(url)}:${lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const packages = url.indexOf('/packages/');
  if (packages >= 0) return url.slice(packages + 1);
  return url.replace(/^file:\/\//, '');
}

/**
 * Where a function lives, coarsely: the package or runtime layer its time belongs to. Native
 * functions (no URL: a better-sqlite3 statement, `crypto.sign`'s job, a socket write) count for
 * their nearest JavaScript caller's layer, marked "(native)".
 */
function areaOf(
  node: CpuProfileNode,
  byId: Map<number, CpuProfileNode>,
  parent: Map<number, number>,
): string {
  const { url, functionName } = node.callFrame;
  if (url) return area(url);
  // V8's pseudo-frames: (garbage collector), (program), (idle), (root).
  if (functionName.startsWith('(')) return functionName;
  for (let current = parent.get(node.id); current !== undefined; current = parent.get(current)) {
    const caller = byId.get(current);
    if (caller?.callFrame.url) return `${area(caller.callFrame.url)} (native)`;
  }
  return `native ${functionName}`;
}

function area(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const packages = url.match(/\/packages\/([^/]+)\/src\/(?:([^/]+)\/)?/);
  if (packages)
    return `codegrant ${packages[1]}${packages[2] && !packages[2].endsWith('.ts') ? `/${packages[2]}` : ''}`;
  if (url.startsWith('node:')) return `node: ${url.slice('node:'.length).split('/').slice(0, 2).join('/')}`;
  return url;
}

function print(title: string, entries: TimeEntry[], top: number): void {
  console.log(`\n${title}`);
  for (const entry of entries.slice(0, top)) {
    console.log(
      `${entry.percent.toFixed(1).padStart(6)}%  ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    console.log(`# ${file}: ${(summary.totalMs / 1000).toFixed(2)} s sampled`);
    print('Self time by area', summary.areas, top);
    print('Self time by function', summary.self, top);
    print('Inclusive time, codegrant functions', summary.inclusiveOwn, top);
  }
}

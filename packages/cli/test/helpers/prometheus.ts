/**
 * A reader of the Prometheus text exposition format (version 0.0.4), strict enough to fail a test
 * on output a Prometheus server would refuse: every sample belongs to a family declared by
 * `# HELP` and `# TYPE`, names and labels are well formed, values are numbers.
 */
import assert from 'node:assert/strict';

/** One sample: its metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The families of an exposition, by name, with their type and samples. */
export type Exposition = Map<string, { type: string; help: string; samples: Sample[] }>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/y;
/** The suffixes a histogram's or summary's samples add to the family name. */
const SUFFIXES = ['_bucket', '_sum', '_count'];

/** Parses `text`; fails the test on anything malformed. */
export function parsePrometheus(text: string): Exposition {
  const families: Exposition = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment as unknown as [string, 'HELP' | 'TYPE', string, string];
      assert.match(name, NAME, `bad metric name in: ${line}`);
      const family = families.get(name) ?? { type: '', help: '', samples: [] };
      if (kind === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest), line);
        family.type = rest;
      } else {
        family.help = rest;
      }
      families.set(name, family);
      continue;
    }
    assert.ok(!line.startsWith('#'), `unknown comment: ${line}`);
    const match = SAMPLE.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const [, name, , labelText = '', valueText] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    assert.ok(!Number.isNaN(value) || valueText === 'NaN', `not a number: ${line}`);
    const family =
      families.get(name) ??
      families.get(
        SUFFIXES.reduce(
          (base, suffix) => (base.endsWith(suffix) ? base.slice(0, -suffix.length) : base),
          name,
        ),
      );
    assert.ok(family?.type, `sample of an undeclared family: ${line}`);
    family.samples.push({ name, labels: parseLabels(labelText, line), value });
  }
  return families;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    LABEL.lastIndex = at;
    const match = LABEL.exec(text);
    assert.ok(match, `bad labels in: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = LABEL.lastIndex;
    if (text[at] === ',') at += 1;
  }
  return labels;
}

/** The value of the sample `name` whose labels include `labels`; `undefined` when there is none. */
export function sampleValue(
  exposition: Exposition,
  family: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const samples = exposition.get(family)?.samples ?? [];
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

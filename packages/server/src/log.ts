import type { Logger } from './options.ts';

/**
 * A logger writing one JSON object per line to a stream (stdout by default): what log collectors
 * read without configuration.
 */
export function createJsonLineLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return (record) => write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

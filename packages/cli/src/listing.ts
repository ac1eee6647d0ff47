import { alignColumns } from './columns.ts';
import type { Flag } from './options.ts';

/** `--json`, taken by the list commands. */
export const jsonFlag: Flag = {
  name: 'json',
  type: 'boolean',
  description: 'print one JSON object per line instead of a table',
};

/**
 * Prints records on stdout: with `json`, each whole record as one JSON line (for scripts); else a
 * table of `columns` (keys of the records) under their names in upper case, `-` for no value.
 */
export function printRecords(
  records: readonly Record<string, unknown>[],
  columns: readonly string[],
  json: boolean,
): void {
  if (json) {
    for (const record of records) process.stdout.write(`${JSON.stringify(record)}\n`);
    return;
  }
  const rows = records.map((record) => columns.map((column) => cell(record[column])));
  const header = columns.map((column) => column.toUpperCase());
  process.stdout.write(`${alignColumns([header, ...rows]).join('\n')}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.join(' ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

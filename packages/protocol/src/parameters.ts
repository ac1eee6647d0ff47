/**
 * Why a set of request parameters was refused by {@link uniqueParameters}.
 */
export class DuplicateParameterError extends Error {
  /** The parameter that appeared more than once. */
  readonly parameter: string;

  constructor(parameter: string) {
    super(`the ${parameter} parameter is included more than once`);
    this.name = 'DuplicateParameterError';
    this.parameter = parameter;
  }
}

/** Parameters a request may repeat: `resource` (RFC 8707 §2). */
export const REPEATABLE_PARAMETERS: readonly string[] = ['resource'];

/**
 * Turns `URLSearchParams` into a record, refusing any parameter sent more than once: RFC 6749 §3.1
 * and §3.2 say request and response parameters MUST NOT be included more than once. Empty values
 * count as absent (RFC 6749 §3.1). The {@link REPEATABLE_PARAMETERS} are the exception: their
 * values are joined with single spaces (a URI holds no space); split them with
 * {@link splitSpaceDelimited}.
 *
 * @throws {DuplicateParameterError} when a parameter appears twice
 */
export function uniqueParameters(params: URLSearchParams): Record<string, string> {
  const record: Record<string, string> = Object.create(null);
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (REPEATABLE_PARAMETERS.includes(name)) {
      if (value !== '') record[name] = record[name] === undefined ? value : `${record[name]} ${value}`;
      continue;
    }
    if (seen.has(name)) throw new DuplicateParameterError(name);
    seen.add(name);
    if (value !== '') record[name] = value;
  }
  return record;
}

/** Splits a space-delimited list (`scope`, `prompt`) into its distinct, non-empty items, in order. */
export function splitSpaceDelimited(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(' ').filter(Boolean))];
}

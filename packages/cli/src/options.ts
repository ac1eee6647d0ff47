import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** One flag of a command; each can also be given by its environment variable (see {@link envVariable}). */
export interface Flag {
  /** The long name without dashes: `port` for `--port`. */
  name: string;
  type: 'string' | 'boolean';
  /** The value's placeholder in usage, e.g. `PORT` (string flags). */
  placeholder?: string;
  description: string;
  /** The value when neither the flag nor its variable is given (string flags). */
  default?: string;
  /** The only values accepted (string flags). */
  choices?: readonly string[];
  /** May be repeated (string flags); the environment variable then holds whitespace-separated values. */
  multiple?: boolean;
  /** Must be given, by the flag or its variable. */
  required?: boolean;
}

/** The environment variable standing in for a flag: `--access-token-ttl` → `CODEGRANT_ACCESS_TOKEN_TTL`. */
export function envVariable(flag: Pick<Flag, 'name'>): string {
  return `CODEGRANT_${flag.name.toUpperCase().replaceAll('-', '_')}`;
}

/** A command line read against a command's flags, environment variables filled in. */
export interface ParsedArgs {
  positionals: string[];
  /** A string flag's value (its default when not given). */
  string(name: string): string | undefined;
  /** A repeatable flag's values. */
  strings(name: string): string[];
  boolean(name: string): boolean;
  /**
   * A boolean flag's value when the flag or its variable gives one (`CODEGRANT_X=false` gives
   * false), else `undefined`: for settings whose default is not simply "off".
   */
  optionalBoolean(name: string): boolean | undefined;
  /**
   * A string flag's value as an integer within `[min, max]`.
   *
   * @throws {UsageError} when it is not one
   */
  integer(name: string, min: number, max: number): number | undefined;
}

/**
 * Reads `args` (what follows the command's name) against `flags`. A flag beats its environment
 * variable; an empty variable counts as unset.
 *
 * @throws {UsageError} on an unknown flag, a missing or misplaced value, a value outside a flag's
 *   choices, or a required flag given neither way
 */
export function parseFlags(
  args: string[],
  flags: readonly Flag[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedArgs {
  const byName = new Map(flags.map((flag) => [flag.name, flag]));
  // Not strict: the tokens are checked below, so every message names the flag in our words.
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries(flags.map((flag) => [flag.name, { type: flag.type }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const positionals: string[] = [];
  const given = new Map<string, string[] | true>();
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const flag = byName.get(token.name);
    if (!flag) throw new UsageError(`unknown flag ${token.rawName}`);
    if (flag.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      given.set(flag.name, true);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    // `--password --email x` is more likely a forgotten value than a password starting with dashes.
    if (!token.inlineValue && token.value.startsWith('-')) {
      throw new UsageError(
        `${token.rawName} needs a value (write ${token.rawName}=${token.value} if that is it)`,
      );
    }
    const previous = given.get(flag.name);
    given.set(
      flag.name,
      flag.multiple && Array.isArray(previous) ? [...previous, token.value] : [token.value],
    );
  }

  const values = new Map<string, string[] | boolean>();
  const explicitBooleans = new Map<string, boolean>();
  for (const flag of flags) {
    const variable = envVariable(flag);
    const fromFlag = given.get(flag.name);
    const fromEnv = env[variable] || undefined;
    let value: string[] | boolean | undefined;
    if (flag.type === 'boolean') {
      const explicit =
        fromFlag === true ? true : fromEnv !== undefined ? parseBoolean(variable, fromEnv) : undefined;
      if (explicit !== undefined) explicitBooleans.set(flag.name, explicit);
      value = explicit ?? false;
    } else if (Array.isArray(fromFlag)) {
      value = fromFlag;
    } else if (fromEnv !== undefined) {
      value = flag.multiple ? fromEnv.trim().split(/\s+/) : [fromEnv];
    } else if (flag.default !== undefined) {
      value = [flag.default];
    }

    if (Array.isArray(value) && flag.choices) {
      const wrong = value.find((v) => !flag.choices?.includes(v));
      if (wrong !== undefined) {
        const origin = fromFlag ? `--${flag.name}` : variable;
        throw new UsageError(`${origin} must be ${flag.choices.join(' or ')}, got "${wrong}"`);
      }
    }
    if (flag.required && value === undefined) {
      throw new UsageError(`--${flag.name} is required (or set ${variable})`);
    }
    if (value !== undefined) values.set(flag.name, value);
  }

  const stringsOf = (name: string): string[] => {
    const value = values.get(name);
    return Array.isArray(value) ? value : [];
  };
  const stringOf = (name: string): string | undefined => stringsOf(name).at(-1);
  return {
    positionals,
    string: stringOf,
    strings: stringsOf,
    boolean: (name) => values.get(name) === true,
    optionalBoolean: (name) => explicitBooleans.get(name),
    integer(name, min, max) {
      const text = stringOf(name);
      if (text === undefined) return undefined;
      const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!(number >= min && number <= max)) {
        const origin = given.has(name) ? `--${name}` : envVariable({ name });
        throw new UsageError(`${origin} must be an integer from ${min} to ${max}, got "${text}"`);
      }
      return number;
    },
  };
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function parseBoolean(variable: string, text: string): boolean {
  const lower = text.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new UsageError(`${variable} must be true or false (or 1 or 0), got "${text}"`);
}

import type { Flag, ParsedArgs } from './options.ts';

/** One command, such as `codegrant users add`. */
export interface Command {
  /** The words after `codegrant`: `users add`. */
  name: string;
  /** One line, for the command lists. */
  summary: string;
  /** More about the command, for its help (paragraphs may span lines). */
  details?: string;
  /** The positional arguments, all required, in order. */
  arguments: readonly { name: string; description: string }[];
  flags: readonly Flag[];
  /** Does the work; resolves when done (`serve`: once shut down). Throws to fail. */
  run(args: ParsedArgs): Promise<void>;
}

/** Commands sharing a first word, such as `codegrant users …`. */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: readonly Command[];
}

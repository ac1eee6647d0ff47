import { readFileSync } from 'node:fs';
import type { Command, CommandGroup } from './command.ts';
import { auditCommand } from './commands/audit.ts';
import { clientsCommands } from './commands/clients.ts';
import { keysCommands } from './commands/keys.ts';
import { mailCommands } from './commands/mail.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve.ts';
import { usersCommands } from './commands/users.ts';
import { UsageError } from './errors.ts';
import { commandHelp, groupHelp, topHelp } from './help.ts';
import { parseFlags } from './options.ts';

const ENTRIES: readonly (Command | CommandGroup)[] = [
  serveCommand,
  usersCommands,
  clientsCommands,
  keysCommands,
  mailCommands,
  auditCommand,
  migrateCommand,
];

/**
 * Runs the `codegrant` command line `args` (what follows `codegrant`) and resolves with its exit
 * code: 0 done, 1 refused or failed, 2 wrong usage. Failures are reported on stderr in one line,
 * never with a stack trace.
 */
export async function run(args: readonly string[]): Promise<number> {
  let name = 'codegrant';
  try {
    const [first, ...rest] = args;
    if (first === undefined) throw new UsageError('no command given');
    if (first === '--help' || first === '-h') return print(topHelp(ENTRIES));
    if (first === '--version') return print(`${version()}\n`);
    const entry = ENTRIES.find((candidate) => candidate.name === first);
    if (!entry) throw unknown(first);

    let command: Command;
    let commandArgs: string[];
    if ('commands' in entry) {
      name = `codegrant ${entry.name}`;
      const [second, ...remaining] = rest;
      if (second === undefined) {
        const choices = entry.commands.map((candidate) => candidate.name.slice(entry.name.length + 1));
        throw new UsageError(`no ${entry.name} command given (${choices.join(', ')})`);
      }
      if (second === '--help' || second === '-h') return print(groupHelp(entry));
      const found = entry.commands.find((candidate) => candidate.name === `${entry.name} ${second}`);
      if (!found) throw unknown(second);
      command = found;
      commandArgs = remaining;
    } else {
      command = entry;
      commandArgs = rest;
    }

    name = `codegrant ${command.name}`;
    if (wantsHelp(commandArgs)) return print(commandHelp(command));
    const parsed = parseFlags(commandArgs, command.flags);
    const expected = command.arguments;
    if (parsed.positionals.length < expected.length) {
      throw new UsageError(
        `missing ${expected
          .slice(parsed.positionals.length)
          .map((a) => a.name)
          .join(' ')}`,
      );
    }
    const extra = parsed.positionals[expected.length];
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    await command.run(parsed);
    return 0;
  } catch (error) {
    return report(name, error);
  }
}

function unknown(word: string): UsageError {
  return new UsageError(word.startsWith('-') ? `unknown flag ${word}` : `unknown command ${word}`);
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

/** `-h` or `--help` anywhere before a `--`. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function report(name: string, error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${name}: ${error.message} (see '${name} --help')\n`);
    return 2;
  }
  // A CliError, or an unexpected failure (a TypeError about the issuer, a database error): either
  // way one line, its message, never its stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${name}: ${message.split('\n')[0]}\n`);
  return 1;
}

function version(): string {
  // One level up from both src/ and dist/.
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

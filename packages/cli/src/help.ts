import { alignColumns } from './columns.ts';
import type { Command, CommandGroup } from './command.ts';
import { envVariable, type Flag } from './options.ts';

/** The usage line of a command: its arguments and required flags spelled out. */
function usageLine(command: Command): string {
  const required = command.flags
    .filter((flag) => flag.required)
    .map((flag) => `--${flag.name} ${placeholder(flag)}`);
  return ['codegrant', command.name, ...command.arguments.map((a) => a.name), ...required, '[options]'].join(
    ' ',
  );
}

/** The help of one command: usage, arguments, and each flag with its environment variable. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: ${usageLine(command)}`, '', sentence(command.summary)];
  if (command.details) lines.push('', command.details);
  if (command.arguments.length > 0) {
    lines.push(
      '',
      'Arguments:',
      ...alignColumns(
        command.arguments.map((a) => [a.name, a.description]),
        '  ',
      ),
    );
  }
  const flagRows = command.flags.map((flag) => [flagLabel(flag), envVariable(flag), flagDescription(flag)]);
  lines.push(
    '',
    'Options (each also read from the environment variable shown; the flag wins):',
    ...alignColumns([...flagRows, ['-h, --help', '', 'show this help']], '  '),
  );
  return `${lines.join('\n')}\n`;
}

/** The help of a command group: its commands. */
export function groupHelp(group: CommandGroup): string {
  const lines = [
    `Usage: codegrant ${group.name} <command> [options]`,
    '',
    sentence(group.summary),
    '',
    'Commands:',
    ...alignColumns(
      group.commands.map((command) => [command.name, command.summary]),
      '  ',
    ),
    '',
    `Run 'codegrant ${group.name} <command> --help' for a command's options.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The top-level help: every command, the conventions they share. */
export function topHelp(entries: readonly (Command | CommandGroup)[]): string {
  const commands = entries.flatMap((entry) => ('commands' in entry ? entry.commands : [entry]));
  const lines = [
    'Usage: codegrant <command> [options]',
    '',
    'The codegrant identity provider: an OAuth 2.0 / OpenID Connect authorization server.',
    '',
    'Commands:',
    ...alignColumns(
      commands.map((command) => [command.name, command.summary]),
      '  ',
    ),
    '',
    'Options:',
    ...alignColumns(
      [
        ['-h, --help', 'show this help'],
        ['--version', 'print the version'],
      ],
      '  ',
    ),
    '',
    "Run 'codegrant <command> --help' for a command's options. Every option can also be set by an",
    'environment variable (CODEGRANT_PORT, CODEGRANT_DB, …, shown in each help); the option wins.',
    'Exit codes: 0 done, 1 refused or failed, 2 wrong usage (unknown command or flag, missing value).',
  ];
  return `${lines.join('\n')}\n`;
}

/** A summary as a sentence: capitalized, with a full stop. */
function sentence(summary: string): string {
  return `${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`;
}

function placeholder(flag: Flag): string {
  return flag.choices?.join('|') ?? flag.placeholder ?? 'VALUE';
}

function flagLabel(flag: Flag): string {
  return flag.type === 'boolean' ? `--${flag.name}` : `--${flag.name} ${placeholder(flag)}`;
}

function flagDescription(flag: Flag): string {
  const notes = [
    flag.required ? 'required' : undefined,
    flag.multiple ? 'repeatable' : undefined,
    flag.default !== undefined ? `default ${flag.default}` : undefined,
  ].filter((note) => note !== undefined);
  return notes.length > 0 ? `${flag.description} (${notes.join('; ')})` : flag.description;
}

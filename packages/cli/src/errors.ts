/**
 * A failure the CLI reports as one line on stderr, without a stack trace: the command ran and
 * refused (a duplicate username, a short secret, …) or failed. Exit code 1.
 */
export class CliError extends Error {
  override name = 'CliError';
}

/**
 * The command line does not have the command's shape: an unknown command or flag, a missing or
 * extra argument, a value of the wrong type. Exit code 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

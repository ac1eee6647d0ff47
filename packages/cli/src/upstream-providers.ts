import { readFileSync } from 'node:fs';
import type { UpstreamProviderOptions } from '@codegrant/server';
import { CliError } from './errors.ts';

/**
 * The upstream providers of `serve --upstream-providers FILE`: a JSON array of the library's
 * `UpstreamProviderOptions`, except that a client secret is never in the file: `clientSecretEnv`
 * names the environment variable that holds it (secrets are environment-only, like every other).
 *
 * @throws {CliError} when the file cannot be read, is not such an array, or names an unset variable
 */
export function readUpstreamProviders(path: string): UpstreamProviderOptions[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--upstream-providers ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((entry) => entry && typeof entry === 'object')) {
    throw new CliError(`--upstream-providers ${path}: expected a JSON array of providers`);
  }
  return parsed.map((entry: Record<string, unknown>) => {
    const { clientSecretEnv, clientSecret, ...options } = entry;
    if (clientSecret !== undefined) {
      throw new CliError(
        `--upstream-providers ${path}: "${String(entry.id)}" has a clientSecret in the file; put it in an environment variable and name it in clientSecretEnv`,
      );
    }
    if (clientSecretEnv === undefined) return options as unknown as UpstreamProviderOptions;
    const secret = typeof clientSecretEnv === 'string' ? process.env[clientSecretEnv] : undefined;
    if (!secret) {
      throw new CliError(
        `--upstream-providers ${path}: the environment variable ${String(clientSecretEnv)} is not set`,
      );
    }
    return { ...options, clientSecret: secret } as unknown as UpstreamProviderOptions;
  });
}

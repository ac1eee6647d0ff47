import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  approveDeviceAtOidcProvider,
  DEVICE_PUBLIC,
  startOidcProvider,
  type TestProvider,
} from '../../../packages/client/test/helpers/oidc-provider.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** The CLI as a user runs it: its output so far, and its exit code once it ends. */
function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--conditions=codegrant-source', '--import', 'tsx', main, ...args], {
    env: { ...process.env, ...env },
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  /** Resolves with the first match of `pattern` in the standard output. */
  const waitFor = async (pattern: RegExp): Promise<RegExpMatchArray> => {
    for (const started = Date.now(); Date.now() - started < 20_000; ) {
      const match = pattern.exec(output.stdout);
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`never printed ${pattern}: ${output.stdout}${output.stderr}`);
  };
  return { output, exit, waitFor };
}

describe('examples/device-cli against oidc-provider', { concurrency: true }, () => {
  let op: TestProvider;
  before(async () => {
    op = await startOidcProvider({ deviceFlow: { interval: 0.2, slowDownWithin: 0.15, shortTtl: 1 } });
  });
  after(() => op.close());

  const env = () => ({ DEVICE_CLI_CLIENT_ID: DEVICE_PUBLIC.client_id });

  it('prints the code and where to enter it; once approved, the signed-in user', async () => {
    const cli = runCli([op.issuer], env());
    const [, uri, code] = await cli.waitFor(/open (\S+) and enter the code (\S+)/);
    assert.equal(uri, `${op.issuer}/device`);
    await cli.waitFor(new RegExp(`or open ${op.issuer}/device\\?user_code=`));
    await approveDeviceAtOidcProvider(uri!, code!, { login: 'carol' });
    assert.equal(await cli.exit, 0, cli.output.stderr);
    assert.match(cli.output.stdout, /Signed in as carol\./);
    assert.match(cli.output.stdout, /"sub": "carol"/);
    assert.match(cli.output.stdout, /"aud": "device-public"/);
  });

  it('a declined sign-in ends with exit code 1 and says so', async () => {
    const cli = runCli([], { ...env(), CODEGRANT_ISSUER: op.issuer });
    const [, uri, code] = await cli.waitFor(/open (\S+) and enter the code (\S+)/);
    await approveDeviceAtOidcProvider(uri!, code!, { deny: true });
    assert.equal(await cli.exit, 1);
    assert.match(cli.output.stderr, /sign-in failed: the sign-in was declined/);
  });

  it('without an issuer: the usage, exit code 2', async () => {
    const cli = runCli([], { CODEGRANT_ISSUER: '' });
    assert.equal(await cli.exit, 2);
    assert.match(cli.output.stderr, /^usage: device-cli <issuer>/);
  });
});

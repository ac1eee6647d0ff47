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
import { readForm, TestBrowser } from '../../../packages/server/test/helpers/browser.ts';
import { signIn } from '../../../packages/server/test/helpers/sign-in.ts';
import {
  addClient,
  addUser,
  startTestServer,
  type TestServer,
} from '../../../packages/server/test/helpers/test-server.ts';

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

describe('examples/device-cli against codegrant', () => {
  let server: TestServer;
  let clientId: string;
  let aliceId: string;
  before(async () => {
    server = await startTestServer({ deviceAuthorization: { interval: 1 } });
    aliceId = await addUser(server.store, 'alice', 'alice has a long password');
    ({ clientId } = await addClient(server.store, {
      redirectUris: [],
      public: true,
      name: 'Device CLI',
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
    }));
  });
  after(() => server.close());

  it('signs in once the person allows it at /device (the complete URI, signed in on the way)', async () => {
    const cli = runCli([server.issuer, '--client-id', clientId, '--scope', 'openid profile']);
    const [, complete] = await cli.waitFor(/or open (\S+)\)/);
    const browser = new TestBrowser();
    const { callbackUrl } = await signIn(browser, complete!, `${server.issuer}/device`, {
      username: 'alice',
      password: 'alice has a long password',
    });
    const page = await (await browser.fetch(callbackUrl)).text();
    assert.match(page, /Device CLI/);
    const form = readForm(page);
    const decided = await browser.postForm(form.action, { ...form.hidden, decision: 'approve' });
    assert.equal(decided.status, 200);
    assert.equal(await cli.exit, 0, cli.output.stderr);
    assert.match(cli.output.stdout, new RegExp(`Signed in as ${aliceId}\\.`));
  });
});

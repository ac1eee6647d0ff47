/**
 * The MCP conformance suite's `authorization` command (`@modelcontextprotocol/conformance`) against
 * `codegrant serve`: every scenario (authorization server metadata, the authorization code grant
 * with PKCE and `resource`) must pass with no warning. The suite prints an authorization URL for a
 * person to open; here the test user agent opens it, signs in, and delivers the redirect to the
 * suite's callback server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TestBrowser } from '../../../server/test/helpers/browser.ts';
import { signIn } from '../../../server/test/helpers/sign-in.ts';
import { dir, freePort, removeTempDir } from '../helpers/cli.ts';
import { type IdentityProvider, startIdentityProvider } from './helpers/identity-provider.ts';

const require = createRequire(import.meta.url);
const CONFORMANCE = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
);
const NODE20_PRELOAD = fileURLToPath(new URL('./helpers/conformance-on-node20.mjs', import.meta.url));
const MCP_SERVER = 'https://mcp.example.com/mcp';

interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
}

interface SuiteRun {
  code: number | null;
  stdout: string;
  /** Every check of every scenario, from the `checks.json` files the suite wrote. */
  checks: Record<string, Check[]>;
}

describe('MCP conformance suite (authorization) against codegrant serve', () => {
  let idp: IdentityProvider;
  let runs = 0;

  before(async () => {
    idp = await startIdentityProvider(
      {
        // The suite's callback is http://127.0.0.1:<port>/callback; loopback redirects match any port.
        'MCP client': ['--public', '--redirect-uri', 'http://127.0.0.1/callback'],
        'MCP confidential client': ['--redirect-uri', 'http://127.0.0.1/callback'],
      },
      { serveFlags: ['--resource', MCP_SERVER] },
    );
  });
  after(async () => {
    await idp.stop();
    await removeTempDir();
  });

  /** Runs `conformance authorization` with `flags`, signing in at the URL it prints. */
  async function runSuite(flags: string[]): Promise<SuiteRun> {
    runs += 1;
    const port = await freePort();
    const outputDir = path.join(dir, `conformance-${runs}`);
    const child = spawn(
      process.execPath,
      [
        ...['--import', NODE20_PRELOAD, CONFORMANCE, 'authorization'],
        ...['--url', idp.issuer, '--port', String(port), '--output-dir', outputDir, ...flags],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    let stdout = '';
    let signingIn: Promise<void> | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = new RegExp(`^${idp.issuer}/authorize\\?\\S+$`, 'm').exec(stdout)?.[0];
      if (url && !signingIn) signingIn = deliverCallback(url, `http://127.0.0.1:${port}/callback`);
    });
    const [code] = await exited;
    await signingIn;
    const checks: SuiteRun['checks'] = {};
    for (const file of await readdir(outputDir, { recursive: true })) {
      if (path.basename(file) !== 'checks.json') continue;
      // Each scenario's directory: authorization-server-<scenario name>-<ISO time>.
      const scenario = /^authorization-server-(.+)-\d{4}-\d\d-\d\dT/.exec(path.dirname(file))?.[1];
      assert.ok(scenario, file);
      checks[scenario] = JSON.parse(await readFile(path.join(outputDir, file), 'utf8'));
    }
    return { code, stdout, checks };
  }

  /** Signs in at the suite's authorization URL and delivers the redirect to its callback server. */
  async function deliverCallback(authorizationUrl: string, redirectUri: string): Promise<void> {
    const { callbackUrl } = await signIn(new TestBrowser(), authorizationUrl, redirectUri, idp.user);
    const callback = await fetch(callbackUrl);
    assert.equal(await callback.text(), 'OK. You can close this page.');
  }

  it('passes every scenario, warnings included, with a public client and a resource', async () => {
    const { client_id } = idp.clients['MCP client']!;
    const run = await runSuite(['--client-id', client_id, '--resource', MCP_SERVER]);
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(
      Object.keys(run.checks).sort(),
      ['authorization-code-grant', 'authorization-server-metadata-endpoint'],
      run.stdout,
    );
    const all = Object.values(run.checks).flat();
    assert.deepEqual(
      all.filter((check) => check.status !== 'SUCCESS'),
      [],
      'no failure, warning or skipped check',
    );
    assert.deepEqual(all.map((check) => check.id).sort(), [
      'authorization-code-grant',
      'authorization-server-metadata',
      'authorization-server-metadata-cimd',
    ]);
    assert.match(run.stdout, /Total: 3 passed, 0 failed/);
  });

  // The suite picks `none` whenever the metadata lists it (ours does, for public clients), even when
  // given a client secret: it then sends no secret, and a confidential client is rightly refused.
  it('shows the suite ignoring --client-secret when the server supports public clients', async () => {
    const { client_id, client_secret } = idp.clients['MCP confidential client']!;
    const run = await runSuite(['--client-id', client_id, '--client-secret', client_secret]);
    assert.equal(run.code, 1);
    assert.equal(
      run.checks['authorization-server-metadata-endpoint']?.every((check) => check.status === 'SUCCESS'),
      true,
    );
    const [grant] = run.checks['authorization-code-grant']!;
    assert.equal(grant?.status, 'FAILURE');
    assert.equal(grant?.errorMessage, 'Invalid status code: 401');
  });
});

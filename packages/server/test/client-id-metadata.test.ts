import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { isPrivateAddress } from '../src/registration/safe-fetch.ts';
import { readForm, TestBrowser } from './helpers/browser.ts';
import { signIn } from './helpers/sign-in.ts';
import { addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const mia = { username: 'mia', password: 'mia has a long password' };

/** A web server publishing client metadata documents, counting the requests it gets. */
async function documentServer(documents: Record<string, (base: string) => unknown>) {
  let requests = 0;
  const http: Server = createServer((request, response) => {
    requests += 1;
    const make = documents[request.url ?? ''];
    if (!make) {
      response.writeHead(404).end();
      return;
    }
    const body = make(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { base, requests: () => requests, close: () => new Promise<void>((r) => http.close(() => r())) };
}

describe('Client ID Metadata Documents', () => {
  let server: TestServer;
  let docs: Awaited<ReturnType<typeof documentServer>>;

  before(async () => {
    docs = await documentServer({
      '/client.json': (base) => ({
        client_id: `${base}/client.json`,
        client_name: 'Local MCP client',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
      }),
      '/impostor.json': () => ({
        client_id: 'https://someone-else.example/client.json',
        redirect_uris: [REDIRECT_URI],
      }),
      '/secret.json': (base) => ({
        client_id: `${base}/secret.json`,
        redirect_uris: [REDIRECT_URI],
        client_secret: 'x',
      }),
      '/pairwise.json': (base) => ({
        client_id: `${base}/pairwise.json`,
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        subject_type: 'pairwise',
      }),
      '/pairwise-two-hosts.json': (base) => ({
        client_id: `${base}/pairwise-two-hosts.json`,
        redirect_uris: [REDIRECT_URI, 'https://app.example/cb'],
        token_endpoint_auth_method: 'none',
        subject_type: 'pairwise',
      }),
      '/huge.json': (base) => ({
        client_id: `${base}/huge.json`,
        redirect_uris: [REDIRECT_URI],
        pad: 'x'.repeat(6000),
      }),
    });
    // Development setting: the document server is on loopback, over http.
    server = await startTestServer({ clientIdMetadataDocuments: { allowPrivateNetworks: true } });
    await addUser(server.store, mia.username, mia.password);
  });
  after(async () => {
    await server.close();
    await docs.close();
  });

  it('advertises the support', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json();
    assert.equal(metadata.client_id_metadata_document_supported, true);
  });

  it('signs in a client known only by its document URL, warning that its redirects are local', async () => {
    const clientId = `${docs.base}/client.json`;
    const config = await oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new TestBrowser();
    const interaction = await browser.fetch(url);
    assert.equal(interaction.status, 303, await interaction.clone().text());
    const login = readForm(await (await browser.fetch(interaction.headers.get('location')!)).text());
    const afterLogin = await browser.postForm(login.action, { ...login.hidden, ...mia });
    const consent = await (await browser.fetch(afterLogin.headers.get('location')!)).text();
    assert.match(consent, /Local MCP client/);
    assert.match(consent, /127\.0\.0\.1:8080/);
    assert.match(consent, /only returns to your own device/);
    const { callbackUrl } = await signIn(browser, url, REDIRECT_URI, mia);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
    assert.ok(tokens.claims()!.sub);
    assert.equal(docs.requests(), 1, 'the document is cached per its Cache-Control');
  });

  it('honours subject_type pairwise in a document: a loopback client is a sector of its own', async () => {
    const clientId = `${docs.base}/pairwise.json`;
    const response = await fetch(
      `${server.issuer}/authorize?client_id=${encodeURIComponent(clientId)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
      { redirect: 'manual' },
    );
    assert.equal(response.status, 303);
    const client = await server.store.findClient(clientId);
    assert.equal(client?.subjectType, 'pairwise');
    assert.equal(client?.sectorIdentifier, `client_id:${clientId}`);
  });

  for (const [path, why] of [
    ['/pairwise-two-hosts.json', 'asks for pairwise subjects on two hosts without a sector_identifier_uri'],
    ['/impostor.json', 'names another client_id'],
    ['/secret.json', 'carries a client_secret'],
    ['/huge.json', 'exceeds 5 KiB'],
    ['/missing.json', 'does not exist'],
  ] as const) {
    it(`refuses a document that ${why}: the client is unknown (error page)`, async () => {
      const response = await fetch(
        `${server.issuer}/authorize?client_id=${encodeURIComponent(docs.base + path)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code`,
        { redirect: 'manual' },
      );
      assert.equal(response.status, 400);
      assert.match(await response.text(), /unknown client_id/);
    });
  }
});

describe('Client ID Metadata Documents: SSRF protection (the default)', () => {
  it('never fetches from loopback or private addresses, by IP or by name', async () => {
    const docs = await documentServer({ '/client.json': (base) => ({ client_id: `${base}/client.json` }) });
    const server = await startTestServer();
    try {
      const port = new URL(docs.base).port;
      for (const clientId of [
        `https://127.0.0.1:${port}/client.json`,
        `https://localhost:${port}/client.json`,
        `http://127.0.0.1:${port}/client.json`,
      ]) {
        const response = await fetch(
          `${server.issuer}/authorize?client_id=${encodeURIComponent(clientId)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code`,
          { redirect: 'manual' },
        );
        assert.equal(response.status, 400, clientId);
      }
      assert.equal(docs.requests(), 0, 'no request reached the private address');
    } finally {
      await server.close();
      await docs.close();
    }
  });

  it('classifies addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
    ]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ['93.184.216.34', '2606:4700::1111', '8.8.8.8']) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });
});

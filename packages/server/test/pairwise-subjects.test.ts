/**
 * Pairwise subject identifiers (OpenID Connect Core §8, Registration §5) on our server, with
 * openid-client as the relying party: one `sub` per sector for a user, the same in the ID token,
 * UserInfo, introspection, JWT access tokens, refreshes, logout hints and other processes; sectors
 * from redirect hosts or a `sector_identifier_uri` served by a real HTTP server; and the refusals
 * (a document missing a redirect URI, several hosts without one, a private address, pairwise off).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuthorizationServer } from '@codegrant/server';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { configureOpenidClient } from './helpers/openid-client.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const alice = { username: 'alice', password: 'alice has a long password' };
const bob = { username: 'bob', password: 'bob has a long password too' };
const AFTER_LOGOUT = 'https://a.example/signed-out';

/** A web server of sector identifier documents: path → the JSON it serves (404 for others). */
async function startDocumentServer(
  documents: Map<string, unknown>,
): Promise<{ url: string; close(): Promise<void> }> {
  const http: Server = createServer((request, response) => {
    const body = documents.get(request.url ?? '');
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}

/** One code flow for `user` through openid-client; the tokens and the config used. */
async function codeFlow(
  config: oidc.Configuration,
  redirectUri: string,
  user: { username: string; password: string },
  browser = new TestBrowser(),
  scope = 'openid email offline_access',
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
  });
  const { callbackUrl } = await signIn(browser, url, redirectUri, user);
  return oidc.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
  });
}

describe('pairwise subject identifiers', () => {
  let server: TestServer;
  let documents: Awaited<ReturnType<typeof startDocumentServer>>;
  const served = new Map<string, unknown>();
  let aliceId: string;
  /** Clients by name: two on sector a.example, one on b.example, one public. */
  const configs: Record<string, oidc.Configuration> = {};

  before(async () => {
    documents = await startDocumentServer(served);
    server = await startTestServer({
      registration: 'open',
      pairwiseSubjects: { allowPrivateNetworks: true },
    });
    aliceId = await addUser(server.store, alice.username, alice.password, { email: 'alice@example.com' });
    await addUser(server.store, bob.username, bob.password);
    const clients = {
      a: { redirectUris: ['https://a.example/cb'], subjectType: 'pairwise' as const },
      a2: { redirectUris: ['https://a.example/other-app/cb'], subjectType: 'pairwise' as const },
      b: { redirectUris: ['https://b.example/cb'], subjectType: 'pairwise' as const },
      public: { redirectUris: ['https://a.example/cb'] },
    };
    for (const [name, settings] of Object.entries(clients)) {
      const { clientId, clientSecret } = await addClient(server.store, {
        ...settings,
        firstParty: true,
        postLogoutRedirectUris: [AFTER_LOGOUT],
      });
      configs[name] = await configureOpenidClient(server.issuer, clientId, clientSecret);
    }
  });
  after(async () => {
    await server.close();
    await documents.close();
  });

  it('is advertised beside public subjects', () => {
    assert.deepEqual(configs.a!.serverMetadata().subject_types_supported, ['public', 'pairwise']);
  });

  it('gives each sector its own sub for a user, the same to every client of a sector, every time', async () => {
    const a = (await codeFlow(configs.a!, 'https://a.example/cb', alice)).claims()!.sub;
    const again = (await codeFlow(configs.a!, 'https://a.example/cb', alice)).claims()!.sub;
    const a2 = (await codeFlow(configs.a2!, 'https://a.example/other-app/cb', alice)).claims()!.sub;
    const b = (await codeFlow(configs.b!, 'https://b.example/cb', alice)).claims()!.sub;
    const publicSub = (await codeFlow(configs.public!, 'https://a.example/cb', alice)).claims()!.sub;
    const bobAtA = (await codeFlow(configs.a!, 'https://a.example/cb', bob)).claims()!.sub;

    assert.equal(publicSub, aliceId, 'a public client sees the user id');
    assert.match(a, /^[A-Za-z0-9_-]{43}$/, 'an HMAC-SHA-256, base64url');
    assert.notEqual(a, aliceId);
    assert.equal(again, a, 'stable for a client');
    assert.equal(a2, a, 'one sector, one sub');
    assert.notEqual(b, a, 'another sector, another sub');
    assert.notEqual(bobAtA, a, 'another user, another sub');
  });

  it('agrees everywhere the client meets the user: ID token, UserInfo, access token, introspection, refresh', async () => {
    const config = configs.a!;
    const tokens = await codeFlow(config, 'https://a.example/cb', alice);
    const sub = tokens.claims()!.sub;
    // openid-client checks UserInfo's sub against the one it is given (Core §5.3.2).
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    assert.equal(userinfo.sub, sub);
    assert.equal(userinfo.email, 'alice@example.com', 'the account behind the pairwise value');
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, aliceId), {
      message: 'unexpected JSON attribute value encountered',
    });
    assert.equal(jose.decodeJwt(tokens.access_token).sub, sub);
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).sub, sub);
    assert.equal((await oidc.tokenIntrospection(config, tokens.refresh_token!)).sub, sub);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(refreshed.claims()?.sub, sub);
    assert.equal(jose.decodeJwt(refreshed.access_token).sub, sub);
  });

  it('is the same in every process sharing the store (the key is in the store)', async () => {
    const config = configs.a!;
    const { client_id: clientId, client_secret: clientSecret } = config.clientMetadata();
    const tokens = await codeFlow(config, 'https://a.example/cb', alice);
    const other = await createAuthorizationServer({
      issuer: server.issuer,
      store: server.store,
      logger: () => {},
    });
    try {
      // Another process refreshes the grant: its ID token names alice as this one did.
      const refreshed = await other.fetch(
        new Request(`${server.issuer}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`,
          },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
        }),
      );
      assert.equal(refreshed.status, 200);
      const body = (await refreshed.json()) as { id_token: string };
      assert.equal(jose.decodeJwt(body.id_token).sub, tokens.claims()!.sub);
      assert.equal((await server.store.findClient(clientId))?.sectorIdentifier, 'a.example');
    } finally {
      await other.close();
    }
  });

  it('takes a pairwise id_token_hint at logout as naming the signed-in user', async () => {
    const browser = new TestBrowser();
    const tokens = await codeFlow(configs.a!, 'https://a.example/cb', alice, browser);
    const response = await browser.fetch(
      oidc.buildEndSessionUrl(configs.a!, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: AFTER_LOGOUT,
      }),
    );
    assert.equal(response.status, 303, 'ended at once, no confirmation page');
    assert.equal(response.headers.get('location'), AFTER_LOGOUT);
  });

  describe('registration', () => {
    async function register(metadata: Record<string, unknown>) {
      return oidc.dynamicClientRegistration(
        new URL(server.issuer),
        { token_endpoint_auth_method: 'client_secret_basic', ...metadata },
        undefined,
        { execute: [oidc.allowInsecureRequests] },
      );
    }

    async function refusal(
      metadata: Record<string, unknown>,
    ): Promise<{ error: string; description: string }> {
      const error = await register(metadata).then(
        () => assert.fail('registered'),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      return { error: error.error, description: error.error_description ?? '' };
    }

    it('registers a pairwise client on several hosts with a sector_identifier_uri that lists them all', async () => {
      const redirectUris = ['https://one.example/cb', 'https://two.example/cb'];
      served.set('/sector.json', [...redirectUris, 'https://three.example/cb']);
      const config = await register({
        redirect_uris: redirectUris,
        subject_type: 'pairwise',
        sector_identifier_uri: `${documents.url}/sector.json`,
      });
      const metadata = config.clientMetadata();
      assert.equal(metadata.subject_type, 'pairwise');
      assert.equal(metadata.sector_identifier_uri, `${documents.url}/sector.json`);
      const stored = await server.store.findClient(metadata.client_id);
      assert.equal(stored?.sectorIdentifier, '127.0.0.1', "the document's host is the sector");
      const one = await codeFlow(config, 'https://one.example/cb', alice);
      const two = await codeFlow(config, 'https://two.example/cb', alice);
      assert.equal(one.claims()!.sub, two.claims()!.sub);
      assert.notEqual(one.claims()!.sub, aliceId);
    });

    it('refuses a sector_identifier_uri whose document omits a redirect URI', async () => {
      served.set('/partial.json', ['https://one.example/cb']);
      const refused = await refusal({
        redirect_uris: ['https://one.example/cb', 'https://two.example/cb'],
        subject_type: 'pairwise',
        sector_identifier_uri: `${documents.url}/partial.json`,
      });
      assert.equal(refused.error, 'invalid_client_metadata');
      assert.match(refused.description, /does not list the redirect URI https:\/\/two\.example\/cb/);
    });

    it('refuses a document that is missing or not an array of strings', async () => {
      served.set('/object.json', { redirect_uris: ['https://one.example/cb'] });
      served.set('/numbers.json', [1, 2]);
      for (const [path, reason] of [
        ['/missing.json', /HTTP 404/],
        ['/object.json', /JSON array/],
        ['/numbers.json', /JSON array/],
      ] as const) {
        const refused = await refusal({
          redirect_uris: ['https://one.example/cb'],
          subject_type: 'pairwise',
          sector_identifier_uri: `${documents.url}${path}`,
        });
        assert.equal(refused.error, 'invalid_client_metadata', path);
        assert.match(refused.description, reason, path);
      }
    });

    it('refuses several redirect hosts without a sector_identifier_uri, and unknown subject types', async () => {
      const hosts = await refusal({
        redirect_uris: ['https://one.example/cb', 'https://two.example/cb'],
        subject_type: 'pairwise',
      });
      assert.equal(hosts.error, 'invalid_client_metadata');
      assert.match(hosts.description, /several hosts .*sector_identifier_uri/);
      const unknown = await refusal({ redirect_uris: ['https://one.example/cb'], subject_type: 'secret' });
      assert.equal(unknown.error, 'invalid_client_metadata');
      const notHttps = await refusal({
        redirect_uris: ['https://one.example/cb'],
        subject_type: 'pairwise',
        sector_identifier_uri: 'http://one.example/sector.json',
      });
      assert.match(notHttps.description, /must use https/);
    });

    it('refuses an update that would move a pairwise client to another sector', async () => {
      const registered = await fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://one.example/cb'], subject_type: 'pairwise' }),
      });
      const client = (await registered.json()) as Record<string, string>;
      const update = (redirectUris: string[]) =>
        fetch(client.registration_client_uri!, {
          method: 'PUT',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${client.registration_access_token}`,
          },
          body: JSON.stringify({
            client_id: client.client_id,
            redirect_uris: redirectUris,
            subject_type: 'pairwise',
          }),
        });
      const moved = await update(['https://elsewhere.example/cb']);
      assert.equal(moved.status, 400);
      assert.match(((await moved.json()) as { error_description: string }).error_description, /sector/);
      const kept = await update(['https://one.example/cb', 'https://one.example/second']);
      assert.equal(kept.status, 200, 'redirect URIs on the same host keep the sector');
    });
  });
});

describe('pairwise subjects, guarded and off', () => {
  it('fetches no sector_identifier_uri from a private address without the development option', async () => {
    const documents = await startDocumentServer(new Map([['/sector.json', ['https://one.example/cb']]]));
    const server = await startTestServer({ registration: 'open' });
    try {
      const response = await fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: ['https://one.example/cb'],
          subject_type: 'pairwise',
          sector_identifier_uri: `${documents.url.replace('http:', 'https:')}/sector.json`,
        }),
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_client_metadata');
      assert.match(body.error_description, /private address/);
      const http = await fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: ['https://one.example/cb'],
          subject_type: 'pairwise',
          sector_identifier_uri: `${documents.url}/sector.json`,
        }),
      });
      assert.match(
        ((await http.json()) as { error_description: string }).error_description,
        /must use https/,
      );
    } finally {
      await server.close();
      await documents.close();
    }
  });

  it('off: discovery says public only, registration refuses pairwise, existing pairwise clients keep their values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codegrant-pairwise-'));
    const dbPath = join(dir, 'test.db');
    try {
      const on = await startTestServer({ dbPath });
      await addUser(on.store, alice.username, alice.password);
      const { clientId, clientSecret } = await addClient(on.store, {
        redirectUris: ['https://a.example/cb'],
        subjectType: 'pairwise',
        firstParty: true,
      });
      const sub = async (server: TestServer) =>
        (
          await codeFlow(
            await configureOpenidClient(server.issuer, clientId, clientSecret),
            'https://a.example/cb',
            alice,
          )
        ).claims()!.sub;
      const before = await sub(on);
      await on.close();

      const off = await startTestServer({ dbPath, registration: 'open', pairwiseSubjects: false });
      try {
        const metadata = (await (
          await fetch(`${off.issuer}/.well-known/openid-configuration`)
        ).json()) as Record<string, unknown>;
        assert.deepEqual(metadata.subject_types_supported, ['public']);
        const refused = await fetch(`${off.issuer}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['https://a.example/cb'], subject_type: 'pairwise' }),
        });
        assert.equal(refused.status, 400);
        const body = (await refused.json()) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_client_metadata');
        assert.match(body.error_description, /not offered/);
        assert.equal(await sub(off), before, 'the pairwise client keeps its users’ values');
      } finally {
        await off.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

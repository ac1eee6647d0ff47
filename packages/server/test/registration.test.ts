import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { signIn } from './helpers/sign-in.ts';
import { addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const judy = { username: 'judy', password: 'judy has a long password' };
const insecure = { execute: [oidc.allowInsecureRequests] };

async function codeFlow(config: oidc.Configuration) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const { callbackUrl, pagesShown } = await signIn(new TestBrowser(), url, REDIRECT_URI, judy);
  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
  return { tokens, pagesShown };
}

describe('dynamic client registration (RFC 7591/7592) with openid-client', () => {
  let server: TestServer;
  let sub: string;

  before(async () => {
    server = await startTestServer({ registration: 'open' });
    sub = await addUser(server.store, judy.username, judy.password);
  });
  after(() => server.close());

  it('registers a confidential client that signs in (consent shown: a dynamic client is a third party)', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(server.issuer),
      { redirect_uris: [REDIRECT_URI], client_name: 'Registered app', grant_types: ['authorization_code'] },
      undefined,
      insecure,
    );
    const metadata = config.clientMetadata();
    assert.ok(metadata.client_secret);
    assert.equal(metadata.client_secret_expires_at, 0);
    assert.ok(metadata.registration_access_token);
    const { tokens, pagesShown } = await codeFlow(config);
    assert.deepEqual(pagesShown, ['login', 'consent']);
    assert.equal(tokens.claims()!.sub, sub);
  });

  it('registers a public MCP-style client with token_endpoint_auth_method none', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(server.issuer),
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', client_name: 'MCP client' },
      oidc.None(),
      insecure,
    );
    assert.equal(config.clientMetadata().client_secret, undefined);
    assert.equal((await codeFlow(config)).tokens.claims()!.sub, sub);
  });

  it('registers a private_key_jwt client whose assertions authenticate it, and refuses a replayed one', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const config = await oidc.dynamicClientRegistration(
      new URL(server.issuer),
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } },
      oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }),
      insecure,
    );
    assert.equal(config.clientMetadata().client_secret, undefined);
    assert.equal((await codeFlow(config)).tokens.claims()!.sub, sub);

    // The same assertion twice: the second is a replay.
    let assertion = '';
    const capture = oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }, { [oidc.modifyAssertion]: () => {} });
    const body = new URLSearchParams();
    await capture(config.serverMetadata(), config.clientMetadata(), body, new Headers());
    assertion = body.get('client_assertion')!;
    const send = () =>
      fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'x',
          redirect_uri: REDIRECT_URI,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
    assert.equal((await (await send()).json()).error, 'invalid_grant', 'authenticated, the code is bad');
    const replay = await send();
    assert.equal(replay.status, 401);
    assert.match((await replay.json()).error_description, /replay/);
  });

  it('reads, updates and deletes the registration with the registration access token (RFC 7592)', async () => {
    const response = await fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: 'Before' }),
    });
    assert.equal(response.status, 201);
    const registered = await response.json();
    const uri = registered.registration_client_uri as string;
    const auth = { authorization: `Bearer ${registered.registration_access_token}` };

    const read = await (await fetch(uri, { headers: auth })).json();
    assert.equal(read.client_name, 'Before');
    assert.equal(read.client_secret, undefined, 'the secret is stored hashed and never shown again');

    const updated = await fetch(uri, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: registered.client_id,
        redirect_uris: [REDIRECT_URI],
        client_name: 'After',
      }),
    });
    assert.equal((await updated.json()).client_name, 'After');

    const wrongToken = await fetch(uri, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrongToken.status, 401);
    assert.equal((await fetch(uri, { method: 'DELETE', headers: auth })).status, 204);
    assert.equal(
      (await fetch(uri, { headers: auth })).status,
      401,
      'gone, and indistinguishable from a bad token',
    );
  });

  it('answers bad metadata with invalid_redirect_uri / invalid_client_metadata', async () => {
    for (const [metadata, error] of [
      [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://a.example/cb#frag'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [REDIRECT_URI], grant_types: ['implicit'] }, 'invalid_client_metadata'],
    ] as const) {
      const response = await fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(metadata),
      });
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, error);
    }
    const notJson = await fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal((await notJson.json()).error, 'invalid_client_metadata');
  });
});

describe('registration policies', () => {
  it('is off by default: no endpoint, nothing advertised', async () => {
    const server = await startTestServer();
    try {
      const metadata = await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json();
      assert.equal(metadata.registration_endpoint, undefined);
      const response = await fetch(`${server.issuer}/register`, { method: 'POST' });
      assert.equal(response.status, 404);
    } finally {
      await server.close();
    }
  });

  it('requires the initial access token when configured', async () => {
    const server = await startTestServer({ registration: { initialAccessToken: 'let-me-register-please' } });
    try {
      const register = (token?: string) =>
        fetch(`${server.issuer}/register`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
        });
      assert.equal((await register()).status, 401);
      assert.equal((await register('wrong')).status, 401);
      assert.equal((await register('let-me-register-please')).status, 201);
    } finally {
      await server.close();
    }
  });
});

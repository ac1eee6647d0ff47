import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogRecord } from '@codegrant/server';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import { signIn } from '../../server/test/helpers/sign-in.ts';
import {
  addClient,
  addUser,
  startTestServer,
  type TestServer,
} from '../../server/test/helpers/test-server.ts';
import * as client from '../src/index.ts';
import { createApp } from './helpers/example-app.ts';

const APP = 'http://127.0.0.1:3000';
const alice = { username: 'alice', password: 'correct horse battery staple' };

/** The `name=value` pairs of a response's Set-Cookie headers, as a Cookie header. */
const cookiesOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

describe('the README example app (Hono) against @codegrant/server', () => {
  let server: TestServer;
  let aliceId: string;
  const logged: LogRecord[] = [];
  before(async () => {
    server = await startTestServer({ logger: (record) => logged.push(record) });
    aliceId = await addUser(server.store, alice.username, alice.password, { email: 'alice@example.com' });
  });
  after(() => server.close());

  it('signs in with PKCE, state and nonce, keeps the session, and protects its API', async () => {
    const { clientId, clientSecret } = await addClient(server.store, {
      redirectUris: [`${APP}/callback`],
      firstParty: true,
    });
    const app = await createApp({
      issuer: new URL(server.issuer),
      clientId,
      clientSecret: clientSecret!,
      redirectUri: `${APP}/callback`,
      apiAudience: server.issuer,
      insecure: true,
    });

    const login = await app.request(`${APP}/login`);
    assert.equal(login.status, 302);
    const { callbackUrl, pagesShown } = await signIn(
      new TestBrowser(),
      login.headers.get('location')!,
      `${APP}/callback`,
      alice,
    );
    assert.deepEqual(pagesShown, ['login']);

    const callback = await app.request(callbackUrl.href, { headers: { cookie: cookiesOf(login) } });
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(callback.headers.get('location'), '/me');
    const me = await app.request(`${APP}/me`, { headers: { cookie: cookiesOf(callback) } });
    assert.deepEqual(await me.json(), { sub: aliceId, email: 'alice@example.com' });

    // The same callback again: the login is spent.
    assert.equal(
      (await app.request(callbackUrl.href, { headers: { cookie: cookiesOf(login) } })).status,
      400,
    );

    // Signing out ends the session.
    const logout = await app.request(`${APP}/logout`, {
      method: 'POST',
      headers: { cookie: cookiesOf(callback) },
    });
    assert.equal(logout.status, 302);
    assert.match(logout.headers.get('set-cookie')!, /^session=;/);
    const afterLogout = await app.request(`${APP}/me`, { headers: { cookie: cookiesOf(callback) } });
    assert.equal(afterLogout.status, 302);
    assert.equal(afterLogout.headers.get('location'), '/login');

    // Its API, called by another client with its own access token (same server, no resource: aud = issuer).
    const other = await client.discovery(
      new URL(server.issuer),
      clientId,
      { client_secret: clientSecret!, redirect_uri: `${APP}/callback` },
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorize = client.buildAuthorizationUrl(other, {
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const signedIn = await signIn(new TestBrowser(), authorize, `${APP}/callback`, alice);
    const tokens = await client.authorizationCodeGrant(other, signedIn.callbackUrl, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const jwksFetches = () =>
      logged.filter((record) => record.msg === 'request' && record.path === '/jwks').length;
    const before = jwksFetches();
    for (let i = 0; i < 3; i++) {
      const hello = await app.request(`${APP}/api/hello`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(hello.status, 200);
      assert.deepEqual(await hello.json(), { hello: aliceId });
    }
    assert.equal(jwksFetches() - before, 1, 'the API fetches the JWKS once, not at every request');

    const noToken = await app.request(`${APP}/api/hello`);
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get('www-authenticate')!, /^Bearer, DPoP algs=/);
    const bad = await app.request(`${APP}/api/hello`, { headers: { authorization: 'Bearer not.a.jwt' } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
  });

  it('answers a forged callback with the failed check', async () => {
    const { clientId, clientSecret } = await addClient(server.store, {
      redirectUris: [`${APP}/callback`],
      firstParty: true,
    });
    const app = await createApp({
      issuer: new URL(server.issuer),
      clientId,
      clientSecret: clientSecret!,
      redirectUri: `${APP}/callback`,
      apiAudience: server.issuer,
      insecure: true,
    });
    const login = await app.request(`${APP}/login`);
    const forged = `${APP}/callback?code=stolen&state=forged&iss=${encodeURIComponent(server.issuer)}`;
    const response = await app.request(forged, { headers: { cookie: cookiesOf(login) } });
    assert.equal(response.status, 400);
    assert.match(
      await response.text(),
      /Sign-in failed: authorization response state: expected ".+", got "forged"/,
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const ivan = { username: 'ivan', password: 'ivan has a long password' };

/** A code flow driven by openid-client with a DPoP handle; returns the tokens. */
async function dpopFlow(
  config: oidc.Configuration,
  dpop: oidc.DPoPHandle,
  extra: Record<string, string> = {},
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, ivan);
  return oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier }, undefined, {
    DPoP: dpop,
  });
}

for (const nonces of [false, true]) {
  describe(`DPoP with openid-client${nonces ? ', server nonces required' : ''}`, () => {
    let server: TestServer;
    let config: oidc.Configuration;
    let sub: string;

    before(async () => {
      server = await startTestServer({ dpopNonce: nonces });
      sub = await addUser(server.store, ivan.username, ivan.password);
      const { clientId } = await addClient(server.store, {
        redirectUris: [REDIRECT_URI],
        public: true,
        firstParty: true,
      });
      config = await oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests],
      });
    });
    after(() => server.close());

    it('binds access and refresh tokens to the key and accepts them only with its proofs', async () => {
      const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
      const tokens = await dpopFlow(config, dpop);
      assert.equal(tokens.token_type.toLowerCase(), 'dpop');
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
      assert.equal(claims.cnf.jkt, await dpop.calculateThumbprint());

      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, sub, { DPoP: dpop });
      assert.equal(userinfo.sub, sub);
      const asBearer = await fetch(`${server.issuer}/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(asBearer.status, 401, 'a bound token is worthless without a proof');
      assert.match(asBearer.headers.get('www-authenticate')!, /^DPoP algs=/);

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
        DPoP: dpop,
      });
      assert.equal(refreshed.token_type.toLowerCase(), 'dpop');
      const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
      await assert.rejects(
        oidc.refreshTokenGrant(config, refreshed.refresh_token!, undefined, { DPoP: otherKey }),
        (error: oidc.ResponseBodyError) => error.error === 'invalid_grant',
        "a public client's refresh token is bound to its key",
      );
    });

    it('binds the code to dpop_jkt: only a proof by that key redeems it', async () => {
      const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
      const other = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
      const jkt = await dpop.calculateThumbprint();
      await assert.rejects(
        dpopFlow(config, other, { dpop_jkt: jkt }),
        (error: oidc.ResponseBodyError) => error.error === 'invalid_grant',
      );
      const tokens = await dpopFlow(config, dpop, { dpop_jkt: jkt });
      assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    });
  });
}

describe('DPoP proofs refused at the token endpoint', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers a malformed proof with invalid_dpop_proof, and two DPoP headers too', async () => {
    for (const dpop of ['not-a-jwt', 'a.b.c, d.e.f']) {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'x' }),
      });
      // The unknown client fails first: authentication precedes the proof check.
      assert.equal(response.status, 401);
    }
    const { clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI], public: true });
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: 'not-a-jwt' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId }),
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error, 'invalid_dpop_proof');
  });

  it('requires a proof from a client registered with dpop_bound_access_tokens', async () => {
    const { clientId } = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      public: true,
      dpopBoundAccessTokens: true,
    });
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId }),
    });
    const body = await response.json();
    assert.equal(body.error, 'invalid_dpop_proof');
    assert.match(body.error_description, /must send a DPoP proof/);
  });

  it('refuses a replayed proof (jti seen before)', async () => {
    const { clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI], public: true });
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({
      htm: 'POST',
      htu: `${server.issuer}/token`,
      iat: Math.floor(Date.now() / 1000),
      jti: 'once',
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    const send = () =>
      fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: 'x' }),
      }).then((r) => r.json());
    assert.equal((await send()).error, 'invalid_grant', 'the proof passes; the refresh token does not');
    const replay = await send();
    assert.equal(replay.error, 'invalid_dpop_proof');
    assert.match(replay.error_description, /replay/);
  });

  it('advertises the DPoP algorithms', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
    assert.ok(metadata.dpop_signing_alg_values_supported.includes('ES256'));
  });
});

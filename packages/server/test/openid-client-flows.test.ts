import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { configureOpenidClient } from './helpers/openid-client.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const alice = { username: 'alice', password: 'correct horse battery staple' };

/** One complete authorization code flow driven by openid-client, the browser answering the pages. */
async function codeFlow(
  config: oidc.Configuration,
  browser: TestBrowser,
  extra: Record<string, string> = {},
  user = alice,
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const { callbackUrl, pagesShown } = await signIn(browser, url, REDIRECT_URI, user);
  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { tokens, pagesShown, callbackUrl };
}

describe('openid-client as the relying party', () => {
  let server: TestServer;
  let aliceId: string;

  before(async () => {
    server = await startTestServer();
    aliceId = await addUser(server.store, alice.username, alice.password, {
      email: 'alice@example.com',
      name: 'Alice',
    });
  });
  after(() => server.close());

  it('runs the confidential client flow: login, consent, tokens, userinfo', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await configureOpenidClient(server.issuer, clientId, clientSecret);
    const { tokens, pagesShown, callbackUrl } = await codeFlow(config, new TestBrowser());

    assert.deepEqual(pagesShown, ['login', 'consent']);
    assert.equal(callbackUrl.searchParams.get('iss'), server.issuer);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, aliceId);
    assert.equal(claims.aud, clientId);
    assert.equal(typeof claims.auth_time, 'number');
    assert.equal(typeof claims.at_hash, 'string');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.expiresIn()! > 3500);
    assert.equal(tokens.scope, 'openid profile email offline_access');
    assert.ok(tokens.refresh_token, 'offline_access yields a refresh token');

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, aliceId);
    assert.equal(userinfo.sub, aliceId);
    assert.equal(userinfo.preferred_username, 'alice');
    assert.equal(userinfo.name, 'Alice');
    assert.equal(userinfo.email, 'alice@example.com');
    assert.equal(userinfo.email_verified, true);
  });

  it('runs the public client flow (PKCE, no secret) and signs the ID token with RS256 when registered', async () => {
    const { clientId } = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      public: true,
      idTokenSignedResponseAlg: 'RS256',
    });
    const config = await configureOpenidClient(server.issuer, clientId, undefined);
    const { tokens } = await codeFlow(config, new TestBrowser());
    assert.equal(tokens.claims()!.sub, aliceId);
    const [header] = tokens.id_token!.split('.');
    assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString()).alg, 'RS256');
  });

  it('gives single sign-on: a second client signs in without the login page', async () => {
    const browser = new TestBrowser();
    const first = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const second = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    const one = await codeFlow(
      await configureOpenidClient(server.issuer, first.clientId, first.clientSecret),
      browser,
    );
    assert.deepEqual(one.pagesShown, ['login', 'consent']);
    const two = await codeFlow(
      await configureOpenidClient(server.issuer, second.clientId, second.clientSecret),
      browser,
    );
    assert.deepEqual(two.pagesShown, [], 'signed in and first-party: no page at all');
    assert.equal(two.tokens.claims()!.sub, aliceId);
    assert.equal(two.tokens.claims()!.auth_time, one.tokens.claims()!.auth_time, 'the same sign-in');
  });

  it('remembers consent: the same client signs in again without any page', async () => {
    const browser = new TestBrowser();
    const client = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await configureOpenidClient(server.issuer, client.clientId, client.clientSecret);
    assert.deepEqual((await codeFlow(config, browser)).pagesShown, ['login', 'consent']);
    assert.deepEqual((await codeFlow(config, browser)).pagesShown, []);
    assert.deepEqual((await codeFlow(config, browser, { prompt: 'consent' })).pagesShown, ['consent']);
    assert.deepEqual((await codeFlow(config, browser, { prompt: 'login' })).pagesShown, ['login']);
  });

  it('prompt=none: a code with a session, login_required without one', async () => {
    const browser = new TestBrowser();
    const client = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    const config = await configureOpenidClient(server.issuer, client.clientId, client.clientSecret);

    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      prompt: 'none',
      state,
    });
    const noSession = await signIn(browser, url, REDIRECT_URI, undefined);
    assert.equal(noSession.callbackUrl.searchParams.get('error'), 'login_required');
    assert.equal(noSession.callbackUrl.searchParams.get('state'), state);
    assert.equal(noSession.callbackUrl.searchParams.get('iss'), server.issuer);
    await assert.rejects(
      oidc.authorizationCodeGrant(config, noSession.callbackUrl, { expectedState: state }),
      (error: oidc.AuthorizationResponseError) => error.error === 'login_required',
    );

    await codeFlow(config, browser);
    const withSession = await codeFlow(config, browser, { prompt: 'none' });
    assert.deepEqual(withSession.pagesShown, []);
    assert.equal(withSession.tokens.claims()!.sub, aliceId);
  });

  it('prompt=none answers consent_required when a third-party client lacks consent', async () => {
    const browser = new TestBrowser();
    const firstParty = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    await codeFlow(
      await configureOpenidClient(server.issuer, firstParty.clientId, firstParty.clientSecret),
      browser,
    );
    const thirdParty = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await configureOpenidClient(server.issuer, thirdParty.clientId, thirdParty.clientSecret);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      prompt: 'none',
    });
    const { callbackUrl } = await signIn(browser, url, REDIRECT_URI, undefined);
    assert.equal(callbackUrl.searchParams.get('error'), 'consent_required');
  });

  it('max_age older than the session asks for the password again', async () => {
    const browser = new TestBrowser();
    const client = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    const config = await configureOpenidClient(server.issuer, client.clientId, client.clientSecret);
    await codeFlow(config, browser);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await codeFlow(config, browser, { max_age: '0' });
    assert.deepEqual(again.pagesShown, ['login']);
  });

  it('refreshes with rotation; the rotated token replayed revokes the grant', async () => {
    const client = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await configureOpenidClient(server.issuer, client.clientId, client.clientSecret);
    const { tokens } = await codeFlow(config, new TestBrowser());

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'rotated');
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.claims()!.sub, aliceId, 'a new ID token for the same subject');
    assert.equal((await oidc.fetchUserInfo(config, refreshed.access_token, aliceId)).sub, aliceId);

    const narrowed = await oidc.refreshTokenGrant(config, refreshed.refresh_token!, { scope: 'openid' });
    assert.equal(narrowed.scope, 'openid');

    await assert.rejects(
      oidc.refreshTokenGrant(config, tokens.refresh_token!),
      (error: oidc.ResponseBodyError) => error.error === 'invalid_grant',
    );
    // Reuse revoked the whole grant: the newest refresh token and access token are dead too.
    await assert.rejects(
      oidc.refreshTokenGrant(config, narrowed.refresh_token!),
      (error: oidc.ResponseBodyError) => error.error === 'invalid_grant',
    );
    await assert.rejects(
      oidc.fetchUserInfo(config, narrowed.access_token, aliceId),
      (error: oidc.WWWAuthenticateChallengeError) => error.cause[0]?.parameters.error === 'invalid_token',
    );
  });

  it('refuses a refresh asking for more scope than granted', async () => {
    const client = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await configureOpenidClient(server.issuer, client.clientId, client.clientSecret);
    const { tokens } = await codeFlow(config, new TestBrowser(), { scope: 'openid offline_access' });
    await assert.rejects(
      oidc.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid email' }),
      (error: oidc.ResponseBodyError) => error.error === 'invalid_scope',
    );
  });

  it('issues no refresh token without offline_access, unless the client always gets one', async () => {
    const plain = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    const browser = new TestBrowser();
    const without = await codeFlow(
      await configureOpenidClient(server.issuer, plain.clientId, plain.clientSecret),
      browser,
      {
        scope: 'openid',
      },
    );
    assert.equal(without.tokens.refresh_token, undefined);
    const always = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      alwaysIssueRefreshToken: true,
    });
    const withOne = await codeFlow(
      await configureOpenidClient(server.issuer, always.clientId, always.clientSecret),
      browser,
      {
        scope: 'openid',
      },
    );
    assert.ok(withOne.tokens.refresh_token);
  });

  it('answers form_post with an auto-submitting form carrying code, state and iss', async () => {
    const browser = new TestBrowser();
    const client = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    const config = await configureOpenidClient(server.issuer, client.clientId, client.clientSecret);
    await codeFlow(config, browser);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      response_mode: 'form_post',
      state: 'the-state',
    });
    const response = await browser.fetch(url);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, new RegExp(`<form method="post" action="${REDIRECT_URI}">`));
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    assert.equal(fields.state, 'the-state');
    assert.equal(fields.iss, server.issuer);
    assert.match(response.headers.get('content-security-policy')!, /script-src 'sha256-/);

    const callback = new Request(REDIRECT_URI, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: fields.code!, state: 'the-state', iss: server.issuer }),
    });
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 'the-state',
    });
    assert.equal(tokens.claims()!.sub, aliceId);
  });
});

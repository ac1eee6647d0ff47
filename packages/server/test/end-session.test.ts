import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { readForm, TestBrowser } from './helpers/browser.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const AFTER_LOGOUT = 'https://app.example.com/signed-out';
const heidi = { username: 'heidi', password: 'heidi has a long password' };

describe('RP-initiated logout', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let host: string;

  before(async () => {
    server = await startTestServer();
    host = new URL(server.issuer).host;
    await addUser(server.store, heidi.username, heidi.password);
    const client = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [AFTER_LOGOUT],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(server.issuer), client.clientId, client.clientSecret!, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  after(() => server.close());

  /** Signs heidi in with this browser; returns her ID token. */
  async function signedIn(browser: TestBrowser): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { callbackUrl } = await signIn(browser, url, REDIRECT_URI, heidi);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
    return tokens.id_token!;
  }

  /** Whether the browser still has single sign-on (prompt=none succeeds). */
  async function hasSession(browser: TestBrowser): Promise<boolean> {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      prompt: 'none',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const { callbackUrl } = await signIn(browser, url, REDIRECT_URI, undefined);
    return callbackUrl.searchParams.has('code');
  }

  it('is advertised', () => {
    assert.equal(config.serverMetadata().end_session_endpoint, `${server.issuer}/end-session`);
  });

  it('ends the session at once for a valid id_token_hint and returns to the registered URI with state', async () => {
    const browser = new TestBrowser();
    const idToken = await signedIn(browser);
    assert.equal(await hasSession(browser), true);
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: AFTER_LOGOUT,
      state: 'bye',
    });
    const response = await browser.fetch(url);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `${AFTER_LOGOUT}?state=bye`);
    assert.ok(response.headers.getSetCookie().some((c) => /cg_session=;.*Max-Age=0/.test(c)));
    assert.equal(await hasSession(browser), false);
  });

  it('asks the user first without a hint; the confirmation ends the session', async () => {
    const browser = new TestBrowser();
    await signedIn(browser);
    const url = oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: AFTER_LOGOUT });
    const page = await browser.fetch(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Sign out\?/);
    assert.equal(await hasSession(browser), true, 'nothing happens before the user confirms');
    const form = readForm(html);
    const confirmed = await browser.postForm(form.action, form.hidden);
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.get('location'), AFTER_LOGOUT);
    assert.equal(await hasSession(browser), false);
  });

  it('refuses a confirmation without the CSRF token of this session', async () => {
    const browser = new TestBrowser();
    await signedIn(browser);
    const response = await browser.postForm(`${server.issuer}/end-session/confirm`, { csrf_token: 'forged' });
    assert.equal(response.status, 403);
    assert.equal(await hasSession(browser), true);
  });

  it('refuses an unregistered post_logout_redirect_uri on a page (no open redirect)', async () => {
    const browser = new TestBrowser();
    const idToken = await signedIn(browser);
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: 'https://evil.example/',
    });
    const response = await browser.fetch(url);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /is not registered/);
    assert.equal(await hasSession(browser), true);
  });

  it('refuses an id_token_hint we did not sign', async () => {
    const response = await new TestBrowser().fetch(
      `${server.issuer}/end-session?id_token_hint=eyJhbGciOiJFUzI1NiJ9.e30.c2ln`,
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /id_token_hint/);
  });

  it('without a session, just shows that the user is signed out', async () => {
    const browser = new TestBrowser();
    const response = await browser.fetch(`${server.issuer}/end-session`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /You are signed out/);
    assert.deepEqual(browser.cookieNames(host), []);
  });
});

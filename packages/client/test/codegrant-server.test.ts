import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readForm, TestBrowser } from '../../server/test/helpers/browser.ts';
import { signIn } from '../../server/test/helpers/sign-in.ts';
import {
  addClient,
  addUser,
  startTestServer,
  type TestServer,
} from '../../server/test/helpers/test-server.ts';
import {
  allowHttp,
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  ClientError,
  ClientSecretBasic,
  type Configuration,
  calculatePKCECodeChallenge,
  customFetch,
  discovery,
  fetchUserInfo,
  initiateDeviceAuthorization,
  None,
  pollDeviceAuthorizationGrant,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  validateJwtAccessToken,
} from '../src/index.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const alice = { username: 'alice', password: 'correct horse battery staple' };
const execute = [allowInsecureRequests];

/** One code flow against our server, the browser answering its login and consent pages. */
async function codeFlow(config: Configuration, extra: Record<string, string> = {}, maxAge?: number) {
  const verifier = randomPKCECodeVerifier();
  const state = randomState();
  const nonce = randomNonce();
  const url = buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
  return authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    maxAge,
  });
}

describe('end to end against @codegrant/server', () => {
  let server: TestServer;
  let aliceId: string;
  before(async () => {
    server = await startTestServer({ deviceAuthorization: { interval: 2 } });
    aliceId = await addUser(server.store, alice.username, alice.password, {
      email: 'alice@example.com',
      name: 'Alice',
    });
  });
  after(() => server.close());

  it('confidential client (client_secret_post, the default): code grant, userinfo, refresh', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await discovery(new URL(server.issuer), clientId, clientSecret, undefined, { execute });
    const tokens = await codeFlow(config);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, aliceId);
    assert.equal(claims.aud, clientId);
    assert.equal(typeof claims.at_hash, 'string');
    assert.ok(tokens.refresh_token);

    const userinfo = await fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(userinfo.email, 'alice@example.com');

    const refreshed = await refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      expectedSubject: claims.sub,
    });
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
    await assert.rejects(
      refreshTokenGrant(config, tokens.refresh_token!),
      (err: unknown) => err instanceof ClientError && err.error === 'invalid_grant',
    );
  });

  it('confidential client with client_secret_basic and max_age', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await discovery(new URL(server.issuer), clientId, clientSecret, ClientSecretBasic(), {
      execute,
    });
    const tokens = await codeFlow(config, { max_age: '300' }, 300);
    assert.equal(typeof tokens.claims()!.auth_time, 'number');
  });

  it('public client: PKCE, no secret', async () => {
    const { clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI], public: true });
    const config = await discovery(new URL(server.issuer), clientId, undefined, None(), { execute });
    const tokens = await codeFlow(config);
    assert.equal(tokens.claims()!.aud, clientId);
  });

  it('its JWT access tokens pass validateJwtAccessToken (aud = the issuer by default)', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await discovery(new URL(server.issuer), clientId, clientSecret, undefined, { execute });
    const tokens = await codeFlow(config);
    const request = new Request('https://api.example/things', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = await validateJwtAccessToken(config.serverMetadata(), request, server.issuer, {
      [allowHttp]: true,
    });
    assert.equal(claims.sub, aliceId);
    assert.equal(claims.client_id, clientId);
  });

  it('device grant: a device polling faster than told gets our slow_down, backs off 5 s, then gets tokens', async () => {
    const { clientId } = await addClient(server.store, {
      redirectUris: [],
      public: true,
      name: 'Deploy CLI',
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
    });
    const config = await discovery(new URL(server.issuer), clientId, undefined, None(), { execute });
    const errors: string[] = [];
    const polled: number[] = [];
    config[customFetch] = async (url, options) => {
      const response = await fetch(url, options as RequestInit);
      if (url.endsWith('/token')) {
        polled.push(Date.now());
        if (!response.ok) errors.push(((await response.clone().json()) as { error: string }).error);
      }
      return response;
    };
    const started = await initiateDeviceAuthorization(config, { scope: 'openid' });
    assert.equal(started.interval, 2);
    // This device ignores the interval it was given (2 s) and polls every second.
    const polling = pollDeviceAuthorizationGrant(config, { ...started, interval: 1 });
    while (!errors.includes('slow_down')) await new Promise((resolve) => setTimeout(resolve, 100));
    const browser = new TestBrowser();
    const { callbackUrl } = await signIn(
      browser,
      started.verification_uri_complete!,
      `${server.issuer}/device`,
      alice,
    );
    const page = await (await browser.fetch(callbackUrl)).text();
    const form = readForm(page);
    await browser.postForm(form.action, { ...form.hidden, decision: 'approve' });

    const tokens = await polling;
    assert.equal(tokens.claims()!.sub, aliceId);
    assert.deepEqual(errors, ['authorization_pending', 'slow_down']);
    const lastWait = polled.at(-1)! - polled.at(-2)!;
    assert.ok(lastWait >= 6000, `after slow_down the device waited ${lastWait} ms: 1 s + 5 s`);
  });
});

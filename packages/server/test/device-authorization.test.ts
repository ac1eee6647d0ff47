/**
 * The device authorization grant (RFC 8628): openid-client's `initiateDeviceAuthorization` and
 * `pollDeviceAuthorizationGrant` as the device (a CLI), a person at the verification page over
 * HTTP (sign-in, the code, the decision), and every refusal: denial, expiry, polling too fast,
 * spent and foreign device codes, unregistered clients, wrong and guessed user codes, CSRF.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { readForm, TestBrowser } from './helpers/browser.ts';
import { configureOpenidClient } from './helpers/openid-client.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const alice = { username: 'alice', password: 'alice has a long password' };
const bob = { username: 'bob', password: 'bob has a long password too' };

describe('device authorization grant (RFC 8628)', () => {
  let server: TestServer;
  let aliceId: string;
  /** Seconds the server's clock is ahead of the wall clock (to expire device codes). */
  let clockAhead = 0;
  let cli: { clientId: string };
  let tv: { clientId: string; clientSecret: string };
  let cliConfig: oidc.Configuration;
  let tvConfig: oidc.Configuration;

  before(async () => {
    server = await startTestServer({
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      deviceAuthorization: { interval: 1 },
      loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 50, windowSeconds: 900 },
      now: () => Math.floor(Date.now() / 1000) + clockAhead,
    });
    aliceId = await addUser(server.store, alice.username, alice.password);
    await addUser(server.store, bob.username, bob.password);
    cli = await addClient(server.store, {
      redirectUris: [],
      public: true,
      name: 'Deploy CLI',
      grantTypes: [DEVICE_CODE, 'refresh_token'],
    });
    const added = await addClient(server.store, {
      redirectUris: [],
      name: 'Living-room TV',
      grantTypes: [DEVICE_CODE],
    });
    tv = { clientId: added.clientId, clientSecret: added.clientSecret! };
    cliConfig = await configureOpenidClient(server.issuer, cli.clientId);
    tvConfig = await configureOpenidClient(server.issuer, tv.clientId, tv.clientSecret);
  });
  after(() => server.close());
  beforeEach(() => {
    clockAhead = 0;
  });

  /** A person signs in at the verification page through `url`: the page they land on, signed in. */
  async function openVerificationPage(
    url: string,
    user = alice,
    browser = new TestBrowser(),
  ): Promise<{ browser: TestBrowser; html: string; status: number }> {
    const { callbackUrl } = await signIn(browser, url, `${server.issuer}/device`, user);
    const response = await browser.fetch(callbackUrl);
    return { browser, html: await response.text(), status: response.status };
  }

  /** Posts the first form of `html` with `fields`: the page it answers with. */
  async function submit(
    browser: TestBrowser,
    html: string,
    fields: Record<string, string>,
  ): Promise<{ html: string; status: number }> {
    const form = readForm(html);
    const response = await browser.postForm(form.action, { ...form.hidden, ...fields });
    return { html: await response.text(), status: response.status };
  }

  /** Raw token request with a device code, as a device polls. */
  async function poll(deviceCode: string, credentials: Record<string, string> = { client_id: cli.clientId }) {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_CODE, device_code: deviceCode, ...credentials }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  it('is advertised in discovery', () => {
    const metadata = cliConfig.serverMetadata();
    assert.equal(metadata.device_authorization_endpoint, `${server.issuer}/device_authorization`);
    assert.ok(metadata.grant_types_supported?.includes(DEVICE_CODE));
  });

  it('signs a CLI in: the person opens the complete URI, sees who asks, allows; the CLI polls and gets tokens', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, {
      scope: 'openid profile offline_access',
    });
    assert.match(started.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(started.verification_uri, `${server.issuer}/device`);
    assert.equal(started.verification_uri_complete, `${server.issuer}/device?user_code=${started.user_code}`);
    assert.equal(started.expires_in, 600);
    assert.equal(started.interval, 1);
    const polling = oidc.pollDeviceAuthorizationGrant(cliConfig, started);

    const { browser, html, status } = await openVerificationPage(started.verification_uri_complete!);
    assert.equal(status, 200);
    assert.match(html, /Allow this device\?/);
    assert.match(html, /Deploy CLI/, 'which app asks');
    assert.ok(html.includes(started.user_code), 'the code, to check against the device');
    assert.match(html, /If someone sent you this code or link, deny/, 'the phishing warning');
    assert.match(html, /Signed in as <strong>alice<\/strong>/);
    const decided = await submit(browser, html, { decision: 'approve' });
    assert.equal(decided.status, 200);
    assert.match(decided.html, /Device connected/);

    const tokens = await polling;
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.refresh_token, 'offline_access: a refresh token');
    assert.equal(tokens.claims()?.sub, aliceId, 'the ID token names who allowed it');
    assert.equal(tokens.claims()?.nonce, undefined);
    const jwks = jose.createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload } = await jose.jwtVerify(tokens.access_token, jwks, { issuer: server.issuer });
    assert.equal(payload.sub, aliceId);
    assert.equal(payload.client_id, cli.clientId);
    assert.equal(payload.scope, 'openid profile offline_access');

    const refreshed = await oidc.refreshTokenGrant(cliConfig, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
    const grants = await server.store.listUserGrants(aliceId, Math.floor(Date.now() / 1000));
    assert.ok(
      grants.some((grant) => grant.clientId === cli.clientId),
      'a grant like any app’s: listed on the account page, revocable',
    );
    await server.store.revokeUserClientAccess(aliceId, cli.clientId, Math.floor(Date.now() / 1000));
    await assert.rejects(oidc.refreshTokenGrant(cliConfig, refreshed.refresh_token!), {
      error: 'invalid_grant',
    });

    const again = await poll(started.device_code);
    assert.deepEqual([again.status, again.body.error], [400, 'invalid_grant'], 'a device code works once');

    await server.server.flushAuditLog();
    const [event] = await server.store.listAuditEvents({ type: 'device', limit: 1, newestFirst: true });
    assert.deepEqual(
      [event?.outcome, event?.userId, event?.clientId, event?.details.scope],
      ['success', aliceId, cli.clientId, 'openid profile offline_access'],
    );
  });

  it('takes a typed code in any case, with or without its dash, for a confidential client', async () => {
    const started = await oidc.initiateDeviceAuthorization(tvConfig, { scope: 'openid' });
    const polling = oidc.pollDeviceAuthorizationGrant(tvConfig, started);
    const { browser, html } = await openVerificationPage(started.verification_uri);
    assert.match(html, /Enter the code shown on your device/);
    const typed = started.user_code.replace('-', ' ').toLowerCase();
    const confirm = await submit(browser, html, { user_code: typed });
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /Living-room TV/);
    await submit(browser, confirm.html, { decision: 'approve' });
    const tokens = await polling;
    assert.equal(tokens.claims()?.sub, aliceId);
    assert.equal(tokens.refresh_token, undefined, 'a client not registered for refresh_token gets none');
  });

  it('binds the tokens to the DPoP key of the polls, the public client’s refresh token too', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid offline_access' });
    const DPoP = oidc.getDPoPHandle(cliConfig, await oidc.randomDPoPKeyPair());
    const polling = oidc.pollDeviceAuthorizationGrant(cliConfig, started, undefined, { DPoP });
    const { browser, html } = await openVerificationPage(started.verification_uri_complete!);
    await submit(browser, html, { decision: 'approve' });
    const tokens = await polling;
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    const { payload } = await jose.jwtVerify(
      tokens.access_token,
      jose.createRemoteJWKSet(new URL(`${server.issuer}/jwks`)),
    );
    assert.match((payload.cnf as { jkt: string }).jkt, /^[\w-]{43}$/);
    await assert.rejects(oidc.refreshTokenGrant(cliConfig, tokens.refresh_token!), {
      error: 'invalid_grant',
      error_description: /bound to a DPoP key/,
    });
    const refreshed = await oidc.refreshTokenGrant(cliConfig, tokens.refresh_token!, undefined, { DPoP });
    assert.equal(refreshed.token_type.toLowerCase(), 'dpop');
  });

  it('answers access_denied when the person denies it', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    const polling = oidc.pollDeviceAuthorizationGrant(cliConfig, started);
    const { browser, html } = await openVerificationPage(started.verification_uri_complete!);
    const decided = await submit(browser, html, { decision: 'deny' });
    assert.match(decided.html, /Device denied/);
    await assert.rejects(polling, { error: 'access_denied' });
    await server.server.flushAuditLog();
    const [event] = await server.store.listAuditEvents({ type: 'device', limit: 1, newestFirst: true });
    assert.deepEqual([event?.outcome, event?.reason], ['failure', 'access_denied']);
    const twice = await submit(browser, html, { decision: 'approve' });
    assert.equal(twice.status, 400, 'a decision is final');
    assert.match(twice.html, /no longer valid/);
  });

  it('answers authorization_pending, then slow_down to a device polling too fast, adding 5 s each time', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    const first = await poll(started.device_code);
    assert.deepEqual([first.status, first.body.error], [400, 'authorization_pending']);
    const tooFast = await poll(started.device_code);
    assert.deepEqual([tooFast.status, tooFast.body.error], [400, 'slow_down']);
    assert.match(tooFast.body.error_description!, /5 seconds longer/);
    clockAhead = 5;
    const stillTooFast = await poll(started.device_code);
    assert.equal(stillTooFast.body.error, 'slow_down', 'the interval is 6 s now, not the 1 s first given');
    clockAhead = 5 + 11;
    assert.equal(
      (await poll(started.device_code)).body.error,
      'authorization_pending',
      'after 11 s: on time',
    );
  });

  it('answers expired_token once the device code expired, and the page no longer takes its user code', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    clockAhead = 600;
    const expired = await poll(started.device_code);
    assert.deepEqual([expired.status, expired.body.error], [400, 'expired_token']);
    const { html, status } = await openVerificationPage(started.verification_uri_complete!);
    assert.equal(status, 400);
    assert.match(html, /not valid, or it has expired/);
  });

  it('refuses another client’s device code, an unknown one, and a missing one', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    const foreign = await poll(started.device_code, {
      client_id: tv.clientId,
      client_secret: tv.clientSecret,
    });
    assert.deepEqual([foreign.status, foreign.body.error], [400, 'invalid_grant']);
    assert.equal((await poll('made-up')).body.error, 'invalid_grant');
    const missing = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_CODE, client_id: cli.clientId }),
    });
    assert.equal(((await missing.json()) as { error: string }).error, 'invalid_request');
    assert.equal(
      (await poll(started.device_code)).body.error,
      'authorization_pending',
      'still usable by its client',
    );
  });

  it('refuses clients not registered for the grant, at both endpoints', async () => {
    const web = await addClient(server.store, { redirectUris: ['https://app.example/cb'], public: true });
    const config = await configureOpenidClient(server.issuer, web.clientId);
    await assert.rejects(oidc.initiateDeviceAuthorization(config, { scope: 'openid' }), {
      error: 'unauthorized_client',
    });
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    const stolen = await poll(started.device_code, { client_id: web.clientId });
    assert.equal(stolen.body.error, 'unauthorized_client');
  });

  it('drops unknown scopes and refuses unknown resources', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid payroll' });
    const { html } = await openVerificationPage(started.verification_uri_complete!);
    assert.doesNotMatch(html, /payroll/);
    await assert.rejects(
      oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid', resource: 'https://unknown.example' }),
      { error: 'invalid_target' },
    );
  });

  it('throttles wrong codes per account: guessing stops, and so does the right code for a while', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    const { browser, html } = await openVerificationPage(`${server.issuer}/device`, bob);
    const malformed = await submit(browser, html, { user_code: 'AEIO-1234' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.html, /8 letters/, 'a typo is told apart and not counted');
    for (let guess = 0; guess < 3; guess++) {
      const wrong = await submit(browser, html, { user_code: 'BCDF-GHJK' });
      assert.equal(wrong.status, 400);
      assert.match(wrong.html, /not valid, or it has expired/);
    }
    const right = await submit(browser, html, { user_code: started.user_code });
    assert.equal(right.status, 429);
    assert.match(right.html, /Too many wrong codes/);
    const aroundTheForm = await browser.postForm(`${server.issuer}/device/decide`, {
      csrf_token: readForm(html).hidden.csrf_token!,
      user_code: started.user_code,
      decision: 'approve',
    });
    assert.equal(aroundTheForm.status, 429, 'deciding by a code is throttled too');
    assert.equal(
      (await poll(started.device_code)).body.error,
      'authorization_pending',
      'nothing was decided',
    );
    await server.server.flushAuditLog();
    const bobId = (await server.store.findUserByUsername('bob'))!.id;
    const failures = await server.store.listAuditEvents({ type: 'device', userId: bobId, limit: 10 });
    assert.deepEqual(
      failures.map((event) => event.reason),
      ['unknown_user_code', 'unknown_user_code', 'unknown_user_code'],
    );
  });

  it('refuses a decision without the page’s CSRF token, and sends a signed-out person to sign in first', async () => {
    const started = await oidc.initiateDeviceAuthorization(cliConfig, { scope: 'openid' });
    const { browser, html } = await openVerificationPage(started.verification_uri_complete!);
    const forged = await browser.postForm(`${server.issuer}/device/decide`, {
      user_code: started.user_code,
      decision: 'approve',
    });
    assert.equal(forged.status, 403);
    assert.equal(
      (await poll(started.device_code)).body.error,
      'authorization_pending',
      'nothing was decided',
    );
    assert.ok(readForm(html).hidden.csrf_token);

    const stranger = await fetch(started.verification_uri_complete!, { redirect: 'manual' });
    assert.equal(stranger.status, 303);
    const location = new URL(stranger.headers.get('location')!);
    assert.equal(location.pathname, '/authorize');
    assert.equal(location.searchParams.get('client_id'), 'codegrant-account');
  });
});

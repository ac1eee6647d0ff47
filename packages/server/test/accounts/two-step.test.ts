/**
 * Two-step verification over HTTP: the account page's own sign-in, enrolling an authenticator
 * (TOTP, RFC 6238), signing in with a code or a recovery code, `acr`/`amr` in the ID token,
 * `acr_values` step-up, and every refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import { Secret, TOTP } from 'otpauth';
import {
  type AccountsHarness,
  finishAtClient,
  openLoginPage,
  REDIRECT_URI,
  startAccountsHarness,
  submitForm,
  submitFormTo,
} from '../helpers/accounts.ts';
import { readForm, TestBrowser } from '../helpers/browser.ts';
import { addUser } from '../helpers/test-server.ts';

const PASSWORD = 'the password of gus';

/** The authenticator app: the code it shows at the server's time, `steps` periods later. */
function appCode(h: AccountsHarness, secret: string, steps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  return totp.generate({ timestamp: (h.clock.now + steps * 30) * 1000 });
}

/**
 * Follows the redirects of `url` in `browser`, signing in with `username`/`password` when the
 * login page shows, until a page that is not the login page (returned with its URL).
 */
async function browse(
  h: AccountsHarness,
  browser: TestBrowser,
  url: string,
  user?: { username: string; password: string },
): Promise<{ url: string; status: number; html: string }> {
  let response = await browser.fetch(url);
  let current = url;
  for (let hop = 0; hop < 12; hop++) {
    if (response.status === 303) {
      current = new URL(response.headers.get('location')!, h.idp.issuer).href;
      response = await browser.fetch(current);
      continue;
    }
    const html = await response.text();
    if (user && html.includes('autocomplete="current-password"') && html.includes('name="username"')) {
      response = await submitForm(browser, html, user);
      continue;
    }
    return { url: current, status: response.status, html };
  }
  throw new Error('too many hops');
}

/** Signs `browser` in to the account page and enrols an authenticator; returns its secret and recovery codes. */
async function enrol(
  h: AccountsHarness,
  browser: TestBrowser,
  user = { username: 'gus', password: PASSWORD },
) {
  const page = await browse(h, browser, `${h.idp.issuer}/account/two-step`, user);
  assert.match(page.html, /Set up two-step verification/);
  assert.match(page.html, /<svg[^>]*viewBox/, 'the QR code is inline SVG');
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(page.html)?.[1]?.replaceAll(' ', '');
  assert.ok(secret && secret.length === 32, 'a 160-bit secret in base32');
  const done = await submitForm(browser, page.html, { code: appCode(h, secret) });
  assert.equal(done.status, 200);
  const html = await done.text();
  assert.match(html, /Two-step verification is on/);
  const codes = [...html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((match) => match[1]!);
  assert.equal(codes.length, 10);
  return { secret, codes };
}

/** Starts a client sign-in, types the password, and returns the second-factor page. */
async function passwordStep(h: AccountsHarness, browser: TestBrowser, extra: Record<string, string> = {}) {
  const pending = await openLoginPage(h, browser, extra);
  const afterPassword = await browse(
    h,
    browser,
    (
      await submitForm(browser, pending.loginPage, {
        username: 'gus',
        password: PASSWORD,
      })
    ).headers.get('location')!,
  );
  return { pending, page: afterPassword.html };
}

describe('two-step verification', () => {
  let h: AccountsHarness;
  let gusId: string;
  /** The secret of gus's authenticator app, as last enrolled. */
  let gusSecret = '';
  before(async () => {
    h = await startAccountsHarness({
      accounts: { totp: true },
      keyEncryptionSecret: 'a key-encryption secret for the tests',
    });
    gusId = await addUser(h.idp.store, 'gus', PASSWORD, { email: 'gus@example.com', name: 'Gus' });
  });
  after(() => h.close());

  it('the account page signs people in through the authorization endpoint with its own client', async () => {
    const browser = new TestBrowser();
    const first = await browser.fetch(`${h.idp.issuer}/account`);
    assert.equal(first.status, 303);
    const authorize = new URL(first.headers.get('location')!);
    assert.equal(authorize.pathname, '/authorize');
    assert.equal(authorize.searchParams.get('client_id'), 'codegrant-account');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    const page = await browse(h, browser, authorize.href, { username: 'gus', password: PASSWORD });
    assert.equal(page.url, `${h.idp.issuer}/account`);
    assert.match(page.html, /Your account/);
    assert.match(page.html, /gus@example\.com/);
    assert.match(page.html, /Set up two-step verification/);

    // A forged callback (no flow cookie of this browser) is refused.
    const forged = await new TestBrowser().fetch(
      `${h.idp.issuer}/account/callback?code=x&state=y&iss=${h.idp.issuer}`,
    );
    assert.equal(forged.status, 400);
  });

  it('enrols an authenticator, then every sign-in asks for its code: acr 2, amr pwd otp mfa', async () => {
    const { secret } = await enrol(h, new TestBrowser());
    gusSecret = secret;
    const stored = await h.idp.store.findTotp(gusId);
    assert.ok(stored?.secret.startsWith('enc:'), 'the secret is encrypted at rest');
    assert.doesNotMatch(stored!.secret, new RegExp(secret));

    h.clock.now += 30; // the enrolment used this step's code
    const browser = new TestBrowser();
    const { pending, page } = await passwordStep(h, browser);
    assert.match(page, /Two-step verification/);
    const wrong = await submitForm(browser, page, {
      code: '000000' === appCode(h, secret) ? '111111' : '000000',
    });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /not right/);
    const right = await submitForm(browser, page, { code: appCode(h, secret) });
    assert.equal(right.status, 303);
    const tokens = await finishAtClient(h, browser, right.headers.get('location')!, pending);
    const claims = jose.decodeJwt(tokens.id_token);
    assert.equal(claims.acr, '2');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);

    // The audit log: the enrolment, the wrong code, the right one (and never the codes themselves).
    await h.idp.server.flushAuditLog();
    const events = await h.idp.store.listAuditEvents({ limit: 100, userId: gusId, type: 'second_factor' });
    assert.deepEqual(
      events.map(({ type, outcome, reason, details }) => ({ type, outcome, reason, details })),
      [
        { type: 'second_factor.enrolled', outcome: 'success', reason: null, details: { method: 'totp' } },
        { type: 'second_factor', outcome: 'failure', reason: 'wrong_code', details: { method: 'totp' } },
        { type: 'second_factor', outcome: 'success', reason: null, details: { method: 'totp' } },
      ],
    );
    assert.ok(
      events.slice(1).every((event) => event.clientId === h.client.clientId && event.ip === '127.0.0.1'),
    );

    // The same code is not accepted twice (RFC 6238 §5.2), even in another browser.
    const other = new TestBrowser();
    const second = await passwordStep(h, other);
    const replay = await submitForm(other, second.page, { code: appCode(h, secret) });
    assert.equal(replay.status, 401);
    h.clock.now += 30;
    assert.equal((await submitForm(other, second.page, { code: appCode(h, secret) })).status, 303);
  });

  it('a recovery code works once, in place of a code', async () => {
    await h.idp.store.deleteTotp(gusId);
    const { codes, secret } = await enrol(h, new TestBrowser());
    gusSecret = secret;
    const browser = new TestBrowser();
    const { pending, page } = await passwordStep(h, browser);
    const used = await submitForm(browser, page, { code: codes[3]!.toUpperCase() });
    assert.equal(used.status, 303, 'any case, with its dashes');
    await h.idp.server.flushAuditLog();
    const [recorded] = await h.idp.store.listAuditEvents({ limit: 1, newestFirst: true, userId: gusId });
    assert.deepEqual(recorded?.details, { method: 'recovery_code' });
    const tokens = await finishAtClient(h, browser, used.headers.get('location')!, pending);
    assert.equal(jose.decodeJwt(tokens.id_token).acr, '2');
    assert.equal(await h.idp.store.countRecoveryCodes(gusId), 9);

    const again = new TestBrowser();
    const second = await passwordStep(h, again);
    assert.equal((await submitForm(again, second.page, { code: codes[3]! })).status, 401);
    assert.equal((await submitForm(again, second.page, { code: 'abcd-efgh-ijkl-mnop' })).status, 401);
  });

  it('five wrong codes lock the account like wrong passwords', async () => {
    const browser = new TestBrowser();
    const { page } = await passwordStep(h, browser);
    for (let i = 0; i < 5; i++) {
      assert.equal((await submitForm(browser, page, { code: `12345${i}` })).status, 401);
    }
    const locked = await submitForm(browser, page, { code: '123459' });
    assert.equal(locked.status, 429);
    assert.match(await locked.text(), /Too many wrong codes/);
    h.clock.now += 901;
  });

  it('needs the second-factor page to be passed: the interaction does not continue without it', async () => {
    const browser = new TestBrowser();
    const { pending } = await passwordStep(h, browser);
    const page = await browser.fetch(pending.interactionUrl);
    assert.match(await page.text(), /Two-step verification/, 'still asking for the code');
    const form = readForm(pending.loginPage);
    const consent = await browser.postForm(form.action.replace('/login', '/consent'), {
      ...form.hidden,
      decision: 'approve',
    });
    assert.equal(consent.status, 400, 'no consent (nor code) without a completed sign-in');
  });

  it('changes to two-step verification need a recent sign-in and the CSRF token', async () => {
    const browser = new TestBrowser();
    const account = await browse(h, browser, `${h.idp.issuer}/account`, {
      username: 'gus',
      password: PASSWORD,
    });
    // gus has an authenticator: the browse stopped at the code page.
    assert.match(account.html, /Two-step verification/);
    h.clock.now += 30;
    const signedIn = await submitForm(browser, account.html, { code: appCode(h, gusSecret) });
    const page = await browse(h, browser, signedIn.headers.get('location')!);
    assert.match(page.html, /Recovery codes left/);

    const noCsrf = await browser.postForm(`${h.idp.issuer}/account/two-step/off`, {});
    assert.equal(noCsrf.status, 403);
    h.clock.now += 601;
    const stale = await submitFormTo(browser, page.html, '/account/two-step/off', {});
    assert.equal(stale.status, 303, 'a sign-in older than ten minutes must be made again');
    assert.equal(new URL(stale.headers.get('location')!).searchParams.get('max_age'), '600');
    assert.ok(await h.idp.store.findTotp(gusId), 'nothing changed');
  });

  it('acr_values=2 steps up a password-only session; prompt=none cannot', async () => {
    await h.idp.store.deleteTotp(gusId);
    const browser = new TestBrowser();
    // A password-only sign-in: acr 1.
    const first = await openLoginPage(h, browser);
    const tokens = await finishAtClient(h, browser, first.interactionUrl.href, first, {
      username: 'gus',
      password: PASSWORD,
    });
    assert.equal(jose.decodeJwt(tokens.id_token).acr, '1');
    assert.deepEqual(jose.decodeJwt(tokens.id_token).amr, ['pwd']);
    // Without an authenticator, acr_values=2 cannot be met and is not an error (it is voluntary).
    const voluntary = await authorizeInSession(h, browser, { acr_values: '2' });
    assert.match(voluntary, /[?&]code=/);

    const { secret } = await enrol(h, browser);
    gusSecret = secret;
    h.clock.now += 30;
    const none = await authorizeInSession(h, browser, { acr_values: '2', prompt: 'none' });
    assert.match(none, /error=interaction_required/);
    const stepUp = await openLoginPage(h, browser, { acr_values: '2' });
    assert.match(stepUp.loginPage, /Two-step verification/, 'the code, not the password again');
    const done = await submitForm(browser, stepUp.loginPage, { code: appCode(h, secret) });
    const stepped = await finishAtClient(h, browser, done.headers.get('location')!, stepUp);
    assert.equal(jose.decodeJwt(stepped.id_token).acr, '2');
  });

  it('turning it off deletes the authenticator and the recovery codes', async () => {
    const browser = new TestBrowser();
    h.clock.now += 30;
    const start = await browse(h, browser, `${h.idp.issuer}/account`, {
      username: 'gus',
      password: PASSWORD,
    });
    const signedIn = await submitForm(browser, start.html, { code: appCode(h, gusSecret) });
    const page = await browse(h, browser, signedIn.headers.get('location')!);
    const off = await submitFormTo(browser, page.html, '/account/two-step/off', {});
    assert.equal(off.status, 200);
    assert.match(await off.text(), /Two-step verification is off/);
    assert.equal(await h.idp.store.findTotp(gusId), null);
    assert.equal(await h.idp.store.countRecoveryCodes(gusId), 0);
  });

  it('discovery advertises the acr values and the amr claim', async () => {
    const metadata = (await (
      await fetch(`${h.idp.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, string[]>;
    assert.deepEqual(metadata.acr_values_supported, ['1', '2']);
    assert.ok(metadata.claims_supported?.includes('amr'));
  });
});

/** An authorization request in a signed-in browser that needs no page: where it redirects. */
async function authorizeInSession(
  h: AccountsHarness,
  browser: TestBrowser,
  extra: Record<string, string>,
): Promise<string> {
  const url = new URL(`${h.idp.issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: h.client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  const response = await browser.fetch(url);
  assert.equal(response.status, 303);
  return response.headers.get('location')!;
}

/**
 * The account page over HTTP, on SQLite: the profile name, changing (or setting) the password,
 * the list of signed-in browsers and of apps holding access, ending and revoking them, and the
 * CSRF token and recent sign-in every change needs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256, verifyPassword } from '@codegrant/server';
import {
  type AccountsHarness,
  finishAtClient,
  openLoginPage,
  REDIRECT_URI,
  startAccountsHarness,
  submitForm,
  submitFormTo,
  userInfo,
} from '../helpers/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { codeExchange, obtainCode, tokenRequest } from '../helpers/codes.ts';
import { signIn } from '../helpers/sign-in.ts';
import { takeMail } from '../helpers/smtp.ts';
import { addClient, addUser } from '../helpers/test-server.ts';

/** The form of the password section posts here (the fragment opens the page at its message). */
const PASSWORD_FORM = '/account/password#password';

describe('the account page', () => {
  let h: AccountsHarness;
  before(async () => {
    h = await startAccountsHarness({ accounts: { accountPage: true } });
  });
  after(() => h.close());

  /** A user of one test, with a password of its own. */
  async function newUser(username: string, extra: { email?: string; name?: string } = {}) {
    const user = { username, password: `the long password of ${username}` };
    const id = await addUser(h.idp.store, username, user.password, extra);
    return { ...user, id };
  }

  /**
   * Opens `/account` in `browser`, signing in through the account page's own client (the login
   * page, unless the browser is signed in already): the page's HTML.
   */
  async function accountPage(browser: TestBrowser, user: { username: string; password: string }) {
    const start = await browser.fetch(`${h.idp.issuer}/account`);
    if (start.status === 200) return start.text();
    assert.equal(start.status, 303);
    const { callbackUrl } = await signIn(
      browser,
      start.headers.get('location')!,
      `${h.idp.issuer}/account/callback`,
      user,
    );
    assert.equal((await browser.fetch(callbackUrl)).status, 303);
    const page = await browser.fetch(`${h.idp.issuer}/account`);
    assert.equal(page.status, 200);
    return page.text();
  }

  /** Whether `browser` is still signed in: `/account` shows, rather than sending it to sign in. */
  async function signedIn(browser: TestBrowser): Promise<boolean> {
    const response = await browser.fetch(`${h.idp.issuer}/account`);
    assert.ok(response.status === 200 || response.status === 303);
    return response.status === 200;
  }

  /** The value of the session cookie `browser` holds. */
  function sessionCookie(browser: TestBrowser): string | undefined {
    return /cg_session=([^;]+)/.exec(browser.cookieHeader(new URL(h.idp.issuer).host))?.[1];
  }

  /** Follows a 303 back to the account page: its HTML. */
  async function followBack(browser: TestBrowser, response: Response): Promise<string> {
    assert.equal(response.status, 303);
    const location = response.headers.get('location')!;
    assert.ok(location.startsWith(`${h.idp.issuer}/account?done=`), location);
    return (await browser.fetch(location)).text();
  }

  /** A refresh grant with `refreshToken` for `client`: its status and OAuth error. */
  async function refresh(refreshToken: string, client: { clientId: string; clientSecret: string }) {
    const response = await tokenRequest(
      h.idp.issuer,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      client,
    );
    return { status: response.status, error: ((await response.json()) as { error?: string }).error };
  }

  it('changes the profile name: shown on the page and in UserInfo', async () => {
    const ada = await newUser('ada', { name: 'Ada' });
    const browser = new TestBrowser();
    const page = await accountPage(browser, ada);
    assert.match(page, /value="Ada"/);
    const saved = await submitFormTo(browser, page, '/account/profile', { name: '  Ada \n Lovelace ' });
    const after = await followBack(browser, saved);
    assert.match(after, /Your name was saved/);
    assert.match(after, /value="Ada Lovelace"/, 'on one line, trimmed');

    const app = new TestBrowser();
    const pending = await openLoginPage(h, app);
    const tokens = await finishAtClient(h, app, pending.interactionUrl.href, pending, ada);
    assert.equal((await userInfo(h, tokens.access_token)).name, 'Ada Lovelace');

    await followBack(browser, await submitFormTo(browser, after, '/account/profile', { name: ' ' }));
    assert.equal((await h.idp.store.findUserById(ada.id))?.name, null, 'an empty name removes it');
  });

  it('a wrong current password is refused and counts against the sign-in throttle', async () => {
    const bo = await newUser('bo');
    const browser = new TestBrowser();
    const page = await accountPage(browser, bo);
    const attempt = {
      current_password: 'not the password of bo',
      new_password: 'a new password for the account',
    };
    for (let i = 0; i < 5; i++) {
      const wrong = await submitFormTo(browser, page, PASSWORD_FORM, attempt);
      assert.equal(wrong.status, 401);
      assert.match(await wrong.text(), /current password is not right/);
    }
    const blocked = await submitFormTo(browser, page, PASSWORD_FORM, {
      ...attempt,
      current_password: bo.password,
    });
    assert.equal(blocked.status, 429, 'even the right password, once the account is throttled');
    assert.match(await blocked.text(), /Too many wrong passwords/);

    // The same count as the login page's: signing in is throttled too.
    const elsewhere = new TestBrowser();
    const login = await submitForm(elsewhere, (await openLoginPage(h, elsewhere)).loginPage, bo);
    assert.equal(login.status, 429);
    assert.ok(await verifiesAs(bo.id, bo.password), 'the password was not changed');
  });

  /** Whether the stored password of a user is `password`. */
  async function verifiesAs(userId: string, password: string): Promise<boolean> {
    const user = await h.idp.store.findUserById(userId);
    return verifyPassword(password, user!.passwordHash);
  }

  it('changes the password: other browsers and apps signed out, this one kept, the owner mailed', async () => {
    const cy = await newUser('cy', { email: 'cy@example.com' });
    // Cy is signed in in another browser, and an app holds a refresh token.
    const other = new TestBrowser();
    const pending = await openLoginPage(h, other);
    const tokens = await finishAtClient(h, other, pending.interactionUrl.href, pending, cy);
    assert.ok(tokens.refresh_token);
    assert.ok(await signedIn(other));

    const browser = new TestBrowser();
    const page = await accountPage(browser, cy);
    assert.match(page, /Current password/);
    const weak = await submitFormTo(browser, page, PASSWORD_FORM, {
      current_password: cy.password,
      new_password: 'password',
    });
    assert.equal(weak.status, 400);
    assert.match(await weak.text(), /Use at least 12 characters/);
    const common = await submitFormTo(browser, page, PASSWORD_FORM, {
      current_password: cy.password,
      new_password: '123qweasdzxc',
    });
    assert.equal(common.status, 400);
    assert.match(await common.text(), /most common/);

    const cookieBefore = sessionCookie(browser);
    const newPassword = 'seven quiet lanterns over the bay';
    const changed = await submitFormTo(browser, page, PASSWORD_FORM, {
      current_password: cy.password,
      new_password: newPassword,
    });
    assert.equal(changed.status, 200);
    assert.match(await changed.text(), /Your password was changed/);

    assert.ok(await signedIn(browser), 'this browser stays signed in');
    assert.notEqual(sessionCookie(browser), cookieBefore, 'with a new session id');
    assert.equal(await h.idp.store.findSession(sha256(cookieBefore!)), null, 'the old one is worth nothing');
    assert.equal(await signedIn(other), false, 'the other browser was signed out');
    assert.deepEqual(await refresh(tokens.refresh_token, h.client), { status: 400, error: 'invalid_grant' });
    const mail = await takeMail(h.smtp, 'cy@example.com');
    assert.match(mail.headers.get('subject') ?? '', /was changed/);
    assert.match(mail.text, /every other device signed in to it was signed out/);

    const again = new TestBrowser();
    const old = await submitForm(again, (await openLoginPage(h, again)).loginPage, cy);
    assert.equal(old.status, 401, 'the old password fails');
    const fresh = new TestBrowser();
    const next = await openLoginPage(h, fresh);
    const signedInAgain = await finishAtClient(h, fresh, next.interactionUrl.href, next, {
      username: 'cy',
      password: newPassword,
    });
    assert.ok(signedInAgain.access_token, 'the new password works');
  });

  it('an account without a password (made through another provider) sets one without a current one', async () => {
    const dot = await newUser('dot');
    const browser = new TestBrowser();
    await accountPage(browser, dot);
    const user = (await h.idp.store.findUserById(dot.id))!;
    await h.idp.store.updateUser({ ...user, passwordHash: '' });
    const page = await accountPage(browser, dot);
    assert.match(page, /Set a password/);
    assert.doesNotMatch(page, /current-password/);
    const set = await submitFormTo(browser, page, PASSWORD_FORM, { new_password: 'dot has a password now' });
    assert.equal(set.status, 200);
    assert.ok(await verifiesAs(dot.id, 'dot has a password now'));
    assert.ok(await signedIn(browser));
  });

  it('lists the signed-in browsers and ends another one; a forged reference ends nothing', async () => {
    const eli = await newUser('eli');
    const other = new TestBrowser();
    await accountPage(other, eli);
    const browser = new TestBrowser();
    const page = await accountPage(browser, eli);
    assert.equal(page.match(/<strong>This browser<\/strong>/g)?.length, 1);
    assert.equal(page.match(/<strong>Another browser<\/strong>/g)?.length, 1);
    assert.equal(page.match(/>End session</g)?.length, 1, "this browser's own is not offered");
    assert.match(page, /Signed in \d{4}-\d\d-\d\d \d\d:\d\d UTC with password/);

    // The page never shows what the store keys sessions by.
    const otherCookie = sessionCookie(other);
    assert.ok(otherCookie);
    const otherIdHash = sha256(otherCookie);
    assert.ok(!page.includes(otherIdHash));
    for (const forged of [otherIdHash, 'forged-reference', '']) {
      const response = await submitFormTo(browser, page, '/account/sessions/end', { session: forged });
      assert.match(await followBack(browser, response), /That session had already ended/);
    }
    assert.ok(await signedIn(other), 'nothing ended');

    const ended = await submitFormTo(browser, page, '/account/sessions/end', {});
    const after = await followBack(browser, ended);
    assert.match(after, /That device was signed out/);
    assert.doesNotMatch(after, /Another browser/);
    const next = await other.fetch(`${h.idp.issuer}/account`);
    assert.equal(next.status, 303, 'the other browser must sign in again');
    assert.equal(new URL(next.headers.get('location')!).pathname, '/authorize');
    assert.ok(await signedIn(browser));
  });

  it('lists the apps holding access with their scopes; revoking one ends its tokens and its consent', async () => {
    const fay = await newUser('fay');
    const app = await addClient(h.idp.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: false,
      name: 'Photo Printer',
    });
    const credentials = { clientId: app.clientId, clientSecret: app.clientSecret! };
    const obtained = await obtainCode(h.idp.issuer, app.clientId, REDIRECT_URI, fay, {
      scope: 'openid profile offline_access',
    });
    const exchange = await tokenRequest(h.idp.issuer, codeExchange(obtained), credentials);
    const tokens = (await exchange.json()) as { refresh_token: string };
    assert.ok(tokens.refresh_token);

    const browser = obtained.browser;
    const page = await accountPage(browser, fay);
    assert.match(page, /<strong>Photo Printer<\/strong>/);
    assert.match(page, /Read your profile: name and username/);
    assert.match(page, /Stay signed in: keep access when you are not using it/);
    assert.doesNotMatch(page, /Your account<\/strong>/, "the account page's own client is not listed");

    const forged = await submitFormTo(browser, page, '/account/apps/revoke', { client_id: 'no-such-app' });
    assert.match(await followBack(browser, forged), /That app had no access left/);
    assert.equal((await refresh(tokens.refresh_token, credentials)).status, 200, 'nothing was revoked');
    const listed = await accountPage(browser, fay);

    const revoked = await submitFormTo(browser, listed, '/account/apps/revoke', {});
    const after = await followBack(browser, revoked);
    assert.match(after, /The app can no longer use your account/);
    assert.doesNotMatch(after, /Photo Printer/);
    assert.match(after, /No app can use your account/);
    const refused = await h.idp.store.listUserGrants(fay.id, h.clock.now);
    assert.deepEqual(refused, []);

    const rotated = await tokenRequest(
      h.idp.issuer,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      credentials,
    );
    assert.equal(rotated.status, 400);
    assert.equal(((await rotated.json()) as { error: string }).error, 'invalid_grant');
    const asked = await signIn(browser, authorizeUrl(app.clientId), REDIRECT_URI, fay);
    assert.deepEqual(asked.pagesShown, ['consent'], 'signed in still, but asked for consent again');
  });

  /** An authorization request of `clientId` (its PKCE challenge unused: the code is not redeemed). */
  function authorizeUrl(clientId: string): URL {
    const url = new URL(`${h.idp.issuer}/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    return url;
  }

  it('every change needs the CSRF token: 403 without it, nothing changed', async () => {
    const gus = await newUser('gus', { name: 'Gus' });
    const browser = new TestBrowser();
    await accountPage(browser, gus);
    for (const path of [
      '/account/profile',
      '/account/password',
      '/account/sessions/end',
      '/account/apps/revoke',
    ]) {
      const missing = await browser.postForm(`${h.idp.issuer}${path}`, { name: 'Mallory' });
      assert.equal(missing.status, 403, path);
      const wrong = await browser.postForm(`${h.idp.issuer}${path}`, {
        csrf_token: 'x'.repeat(43),
        name: 'Mallory',
      });
      assert.equal(wrong.status, 403, path);
    }
    assert.equal((await h.idp.store.findUserById(gus.id))?.name, 'Gus');
  });

  it('the password, sessions and apps need a sign-in of the last ten minutes; the name does not', async () => {
    const hal = await newUser('hal');
    // Hal is signed in in another browser too, where an app holds a refresh token.
    const other = new TestBrowser();
    const pending = await openLoginPage(h, other);
    const tokens = await finishAtClient(h, other, pending.interactionUrl.href, pending, hal);
    const browser = new TestBrowser();
    const page = await accountPage(browser, hal);
    h.clock.now += 601;
    const posts: [string, Record<string, string>][] = [
      [PASSWORD_FORM, { current_password: hal.password, new_password: 'a password hal never gets' }],
      ['/account/sessions/end', {}],
      ['/account/apps/revoke', {}],
    ];
    for (const [path, fields] of posts) {
      const stale = await submitFormTo(browser, page, path, fields);
      assert.equal(stale.status, 303, path);
      const location = new URL(stale.headers.get('location')!);
      assert.equal(location.pathname, '/authorize');
      assert.equal(location.searchParams.get('max_age'), '600');
    }
    assert.ok(await verifiesAs(hal.id, hal.password), 'nothing changed: the password,');
    assert.ok(await signedIn(other), 'the other session,');
    assert.equal((await refresh(tokens.refresh_token!, h.client)).status, 200, "and the app's access");

    const named = await submitFormTo(browser, page, '/account/profile', { name: 'Hal' });
    assert.match(await followBack(browser, named), /Your name was saved/);
  });
});

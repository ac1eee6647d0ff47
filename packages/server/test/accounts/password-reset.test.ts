/**
 * Password reset over HTTP, with a real SMTP server: the link, the new password, and everything
 * the old one opened closed behind it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  type AccountsHarness,
  finishAtClient,
  linkHref,
  openLoginPage,
  REDIRECT_URI,
  startAccountsHarness,
  submitForm,
} from '../helpers/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { tokenRequest } from '../helpers/codes.ts';
import { firstLink, linksIn, takeMail } from '../helpers/smtp.ts';
import { addUser } from '../helpers/test-server.ts';

const OLD_PASSWORD = 'the old password of bea';
const NEW_PASSWORD = 'a brand new password for bea';

/** Asks for a reset link for `email` from a pending sign-in's login page. */
async function askForReset(h: AccountsHarness, browser: TestBrowser, email: string) {
  const pending = await openLoginPage(h, browser);
  const page = await browser.fetch(linkHref(pending.loginPage, 'Forgot your password\\?'));
  assert.equal(page.status, 200);
  const response = await submitForm(browser, await page.text(), { email });
  return { pending, response, html: await response.text() };
}

describe('password reset', () => {
  let h: AccountsHarness;
  let beaId: string;
  before(async () => {
    h = await startAccountsHarness({ accounts: { passwordReset: true } });
  });
  after(() => h.close());
  beforeEach(async () => {
    await h.idp.store.deleteUser('bea');
    beaId = await addUser(h.idp.store, 'bea', OLD_PASSWORD, { email: 'bea@example.com' });
    h.smtp.received.length = 0;
  });

  it('sets the new password by the mailed link and ends every session, grant and refresh token of the account', async () => {
    // Bea is signed in somewhere, with a refresh token.
    const elsewhere = new TestBrowser();
    const earlier = await openLoginPage(h, elsewhere);
    const earlierTokens = await finishAtClient(h, elsewhere, earlier.interactionUrl.href, earlier, {
      username: 'bea',
      password: OLD_PASSWORD,
    });
    assert.ok(earlierTokens.refresh_token);

    const browser = new TestBrowser();
    const { pending, response, html } = await askForReset(h, browser, 'Bea@Example.com');
    assert.equal(response.status, 200);
    assert.match(html, /If an account uses B•••@Example\.com/);
    const mail = await takeMail(h.smtp, 'bea@example.com');
    assert.match(mail.headers.get('subject') ?? '', /Reset your password/);
    assert.match(mail.text, /bea: http/);
    const link = firstLink(mail);
    assert.ok(link?.startsWith(`${h.idp.issuer}/account/reset-password?token=`));

    const page = await (await browser.fetch(link)).text();
    assert.match(page, /Choose a new password/);
    const weak = await submitForm(browser, page, { password: 'password' });
    assert.equal(weak.status, 400, 'the policy applies, and the link stays usable');
    assert.match(await weak.text(), /at least 12 characters/);
    const changed = await submitForm(browser, page, { password: NEW_PASSWORD });
    assert.equal(changed.status, 200);
    const changedHtml = await changed.text();
    assert.match(changedHtml, /Your password was changed/);
    const notice = await takeMail(h.smtp, 'bea@example.com');
    assert.match(notice.headers.get('subject') ?? '', /was changed/);

    // Everything the old password opened is closed.
    const refresh = await tokenRequest(
      h.idp.issuer,
      { grant_type: 'refresh_token', refresh_token: earlierTokens.refresh_token },
      h.client,
    );
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
    const userinfo = await fetch(`${h.idp.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${earlierTokens.access_token}` },
    });
    assert.equal(userinfo.status, 401, 'the access token of the revoked grant is refused at our endpoints');
    const silent = new URL(`${h.idp.issuer}/authorize`);
    silent.search = new URLSearchParams({
      client_id: h.client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      prompt: 'none',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const ssoGone = await elsewhere.fetch(silent);
    assert.match(ssoGone.headers.get('location') ?? '', /error=login_required/, 'the SSO session ended');

    // The old password fails, the new one signs in, from the pending sign-in of the reset.
    const old = await submitForm(browser, pending.loginPage, { username: 'bea', password: OLD_PASSWORD });
    assert.equal(old.status, 401);
    const tokens = await finishAtClient(h, browser, linkHref(changedHtml, 'Sign in'), pending, {
      username: 'bea',
      password: NEW_PASSWORD,
    });
    assert.ok(tokens.access_token);

    // The link worked once.
    assert.equal((await browser.fetch(link)).status, 400);
    assert.equal((await submitForm(browser, page, { password: 'yet another new password' })).status, 400);
  });

  it('answers an unknown address exactly as a known one, and mails nobody', async () => {
    const known = await askForReset(h, new TestBrowser(), 'bea@example.com');
    const unknown = await askForReset(h, new TestBrowser(), 'bob@example.com');
    assert.equal(unknown.response.status, known.response.status);
    const strip = (html: string) =>
      html.replace(/B•••@example\.com/, 'X').replace(/interaction\/[\w-]+/g, '');
    assert.equal(strip(unknown.html), strip(known.html));
    await takeMail(h.smtp, 'bea@example.com');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(h.smtp.received, []);
  });

  it('a reset link expires after 30 minutes', async () => {
    const browser = new TestBrowser();
    await askForReset(h, browser, 'bea@example.com');
    const link = firstLink(await takeMail(h.smtp, 'bea@example.com'));
    const page = await (await browser.fetch(link)).text();
    h.clock.now += 1800;
    const late = await submitForm(browser, page, { password: NEW_PASSWORD });
    assert.equal(late.status, 400);
    assert.match(await late.text(), /expired/);
    const bea = await h.idp.store.findUserById(beaId);
    const browser2 = new TestBrowser();
    const pending = await openLoginPage(h, browser2);
    const stillOld = await submitForm(browser2, pending.loginPage, {
      username: 'bea',
      password: OLD_PASSWORD,
    });
    assert.equal(stillOld.status, 303, 'the password did not change');
    assert.ok(bea);
  });

  it('using one link kills the others; a reset verifies the address and lifts the sign-in lock', async () => {
    const bea = (await h.idp.store.findUserById(beaId))!;
    await h.idp.store.updateUser({ ...bea, emailVerified: false });
    const browser = new TestBrowser();
    await askForReset(h, browser, 'bea@example.com');
    const first = firstLink(await takeMail(h.smtp, 'bea@example.com'));
    await askForReset(h, browser, 'bea@example.com');
    const second = firstLink(await takeMail(h.smtp, 'bea@example.com'));

    // Five wrong passwords lock the account.
    const attacker = new TestBrowser();
    const pending = await openLoginPage(h, attacker);
    for (let i = 0; i < 5; i++) {
      await submitForm(attacker, pending.loginPage, { username: 'bea', password: `guess number ${i}` });
    }
    const locked = await submitForm(attacker, pending.loginPage, { username: 'bea', password: OLD_PASSWORD });
    assert.equal(locked.status, 429);

    const page = await (await browser.fetch(second)).text();
    assert.equal((await submitForm(browser, page, { password: NEW_PASSWORD })).status, 200);
    assert.equal((await browser.fetch(first)).status, 400, 'the earlier link died with the reset');
    assert.equal((await h.idp.store.findUserById(beaId))?.emailVerified, true, 'the link proved the address');

    const after = await submitForm(attacker, pending.loginPage, { username: 'bea', password: NEW_PASSWORD });
    assert.equal(after.status, 303, 'the lock was lifted');
  });

  it('mails one link per account when accounts share an address', async () => {
    await addUser(h.idp.store, 'bea-work', 'the work password of bea', { email: 'BEA@example.com' });
    try {
      await askForReset(h, new TestBrowser(), 'bea@example.com');
      const mail = await takeMail(h.smtp, 'bea@example.com');
      assert.equal(linksIn(mail).length, 2);
      assert.match(mail.text, /^bea: http/m);
      assert.match(mail.text, /^bea-work: http/m);
    } finally {
      await h.idp.store.deleteUser('bea-work');
    }
  });
});

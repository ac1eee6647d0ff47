/**
 * Sign-up and email verification over HTTP, with a real SMTP server: the whole way from "Create an
 * account" to tokens at the client, and every way it must refuse.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import {
  type AccountsHarness,
  finishAtClient,
  linkHref,
  openLoginPage,
  startAccountsHarness,
  submitForm,
  userInfo,
} from '../helpers/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { firstLink, linksIn, takeMail } from '../helpers/smtp.ts';
import { addUser, startTestServer } from '../helpers/test-server.ts';

const PASSWORD = 'plum tree under the bridge';

/** Opens the sign-up page from a pending sign-in's login page and posts it. */
async function signUp(
  h: AccountsHarness,
  browser: TestBrowser,
  fields: { email: string; password?: string; name?: string },
) {
  const pending = await openLoginPage(h, browser);
  const page = await browser.fetch(linkHref(pending.loginPage, 'Create an account'));
  assert.equal(page.status, 200);
  const response = await submitForm(browser, await page.text(), { password: PASSWORD, name: '', ...fields });
  return { pending, response, html: await response.text() };
}

describe('sign-up', () => {
  let h: AccountsHarness;
  before(async () => {
    h = await startAccountsHarness({ accounts: { signUp: true } });
  });
  after(() => h.close());

  it('creates the account only when the mailed link is confirmed, then the sign-in goes on to the client', async () => {
    const browser = new TestBrowser();
    const { pending, response, html } = await signUp(h, browser, { email: 'Nina@Example.com', name: 'Nina' });
    assert.equal(response.status, 200);
    assert.match(html, /Check your inbox/);
    assert.match(html, /N•••@Example\.com/, 'the address is shown masked');
    assert.equal(
      await h.idp.store.findUserByUsername('nina@example.com'),
      null,
      'no account before the link',
    );

    const mail = await takeMail(h.smtp, 'Nina@Example.com');
    assert.match(mail.headers.get('subject') ?? '', /Confirm your email address/);
    const link = firstLink(mail);
    assert.ok(link?.startsWith(`${h.idp.issuer}/account/confirm?token=`), link);

    // Opening the link changes nothing (mail scanners open links): only the button confirms.
    const confirmPage = await browser.fetch(link);
    const confirmHtml = await confirmPage.text();
    assert.equal(confirmPage.status, 200);
    assert.match(confirmHtml, /Finish creating your account/);
    assert.doesNotMatch(confirmHtml, /type="password"/, 'the browser that signed up is not asked again');
    assert.equal(await h.idp.store.findUserByUsername('nina@example.com'), null);

    const confirmed = await submitForm(browser, confirmHtml, {});
    assert.equal(confirmed.status, 303);
    assert.equal(
      confirmed.headers.get('location'),
      pending.interactionUrl.href,
      'the pending sign-in continues',
    );
    const tokens = await finishAtClient(h, browser, confirmed.headers.get('location')!, pending);

    const user = await h.idp.store.findUserByUsername('nina@example.com');
    assert.ok(user);
    assert.equal(user.email, 'Nina@Example.com');
    assert.equal(user.emailVerified, true);
    assert.equal(user.name, 'Nina');
    assert.equal(jose.decodeJwt(tokens.id_token).sub, user.id);
    const claims = await userInfo(h, tokens.access_token);
    assert.equal(claims.email, 'Nina@Example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, 'Nina');

    // The link worked once.
    const again = await browser.fetch(link);
    assert.equal(again.status, 400);
    assert.match(await again.text(), /This link has expired/);
    const replay = await submitForm(browser, confirmHtml, {});
    assert.equal(replay.status, 400);
  });

  it('the new account signs in with its address (any case) and password', async () => {
    const browser = new TestBrowser();
    await signUp(h, browser, { email: 'omar@example.com' });
    const link = firstLink(await takeMail(h.smtp, 'omar@example.com'));
    await submitForm(browser, await (await browser.fetch(link)).text(), {});

    const other = new TestBrowser();
    const pending = await openLoginPage(h, other);
    const tokens = await finishAtClient(h, other, pending.interactionUrl.href, pending, {
      username: 'Omar@Example.COM',
      password: PASSWORD,
    });
    assert.equal((await userInfo(h, tokens.access_token)).email, 'omar@example.com');
  });

  it('answers a known address exactly as a new one, and mails its owner instead of creating anything', async () => {
    const ownerId = await addUser(h.idp.store, 'pia', 'the real password of pia', {
      email: 'pia@example.com',
    });
    const fresh = await signUp(h, new TestBrowser(), { email: 'quinn@example.com' });
    const known = await signUp(h, new TestBrowser(), { email: 'PIA@example.com' });
    assert.equal(known.response.status, fresh.response.status);
    const strip = (html: string) =>
      html.replace(/[QP]•••@example\.com/i, 'X').replace(/interaction\/[\w-]+/g, '');
    assert.equal(strip(known.html), strip(fresh.html), 'the same page, whatever the address');

    const notice = await takeMail(h.smtp, 'PIA@example.com');
    assert.match(notice.headers.get('subject') ?? '', /already have an account/);
    assert.deepEqual(linksIn(notice), [], 'no sign-up link for an address that has an account');
    await takeMail(h.smtp, 'quinn@example.com');
    const owner = await h.idp.store.findUserById(ownerId);
    assert.equal(owner?.passwordHash, (await h.idp.store.findUserByUsername('pia'))?.passwordHash);
    assert.equal((await h.idp.store.findUsersByEmail('pia@example.com')).length, 1, 'no second account');
  });

  it('in another browser, asks for the password chosen before creating the account (no pre-hijacking)', async () => {
    await signUp(h, new TestBrowser(), { email: 'rosa@example.com' });
    const link = firstLink(await takeMail(h.smtp, 'rosa@example.com'));
    const victim = new TestBrowser();
    const page = await (await victim.fetch(link)).text();
    assert.match(page, /type="password"/);
    assert.match(page, /another browser/);

    const wrong = await submitForm(victim, page, { password: 'a guess at the password' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /not the password chosen/);
    assert.equal(await h.idp.store.findUserByUsername('rosa@example.com'), null, 'nothing created');

    const right = await submitForm(victim, page, { password: PASSWORD });
    assert.equal(right.status, 200, 'no sign-in to continue in this browser');
    assert.match(await right.text(), /Your account is ready/);
    assert.ok(await h.idp.store.findUserByUsername('rosa@example.com'));
  });

  it('refuses weak passwords and bad addresses with the reason, creating and mailing nothing', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ email: 'sam@example.com', password: 'short pw' }, /at least 12 characters/],
      [{ email: 'sam@example.com', password: '123qweasdzxc' }, /most common/],
      [{ email: 'sam@example.com', password: 'QWERTY123456' }, /most common/],
      [{ email: 'samantha@example.com', password: 'samantha-is-my-name' }, /email address or username/],
      [{ email: 'sam@example.com', password: 'aaaaaaaaaaaaaaaa' }, /more than one or two different/],
      [{ email: 'not an address', password: PASSWORD }, /valid email address/],
      [{ email: 'sam@example.com\r\nBcc: x@evil.example', password: PASSWORD }, /valid email address/],
    ];
    for (const [fields, reason] of cases) {
      const { response, html } = await signUp(h, new TestBrowser(), fields as { email: string });
      assert.equal(response.status, 400, JSON.stringify(fields));
      assert.match(html, reason);
      assert.match(html, /role="alert"/);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(h.smtp.received, [], 'no mail for a refused sign-up');
  });

  it('refuses a post without the CSRF cookie value (403), mailing nothing', async () => {
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const page = await (await browser.fetch(linkHref(pending.loginPage, 'Create an account'))).text();
    for (const csrf of ['', 'forged-value-forged-value-forged-value-forged']) {
      const response = await submitForm(browser, page, {
        email: 'tom@example.com',
        password: PASSWORD,
        csrf_token: csrf,
      });
      assert.equal(response.status, 403);
      assert.match(await response.text(), /CSRF/);
    }
    const otherBrowser = new TestBrowser();
    const response = await submitForm(otherBrowser, page, { email: 'tom@example.com', password: PASSWORD });
    assert.equal(response.status, 403, 'the form of one browser posted from another');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(h.smtp.received, []);
  });

  it('a link expires after an hour', async () => {
    const browser = new TestBrowser();
    await signUp(h, browser, { email: 'uma@example.com' });
    const link = firstLink(await takeMail(h.smtp, 'uma@example.com'));
    const page = await (await browser.fetch(link)).text();
    h.clock.now += 3600;
    const late = await submitForm(browser, page, {});
    assert.equal(late.status, 400);
    assert.match(await late.text(), /expired/);
    assert.equal(await h.idp.store.findUserByUsername('uma@example.com'), null);
    assert.equal((await browser.fetch(link)).status, 400);
  });

  it('a forged or unknown link changes nothing', async () => {
    const browser = new TestBrowser();
    for (const token of ['', 'x', 'A'.repeat(43), 'A'.repeat(500)]) {
      const response = await browser.fetch(`${h.idp.issuer}/account/confirm?token=${token}`);
      assert.equal(response.status, 400);
    }
  });
});

describe('sign-up throttling', () => {
  it('limits requests per client address (429) and mails per address (silently: the page is the same)', async () => {
    const h = await startAccountsHarness({
      accounts: { signUp: true, maxRequestsPerIp: 3, maxMailsPerAddress: 1 },
    });
    try {
      const first = await signUp(h, new TestBrowser(), { email: 'vic@example.com' });
      const second = await signUp(h, new TestBrowser(), { email: 'vic@example.com' });
      assert.equal(first.response.status, 200);
      assert.equal(second.response.status, 200, 'the same answer');
      await takeMail(h.smtp, 'vic@example.com');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(h.smtp.received.length, 0, 'one mail per address per window');

      await signUp(h, new TestBrowser(), { email: 'wes@example.com' });
      const fourth = await signUp(h, new TestBrowser(), { email: 'xia@example.com' });
      assert.equal(fourth.response.status, 429);
      assert.match(fourth.html, /Too many requests/);

      h.clock.now += 901;
      const later = await signUp(h, new TestBrowser(), { email: 'xia@example.com' });
      assert.equal(later.response.status, 200, 'the window passed');
    } finally {
      await h.close();
    }
  });
});

describe('sign-up off (the default)', () => {
  it('has no routes and no links', async () => {
    const server = await startTestServer();
    try {
      for (const path of [
        '/account/sign-up',
        '/account/confirm',
        '/account/forgot-password',
        '/account/reset-password',
      ]) {
        assert.equal((await fetch(`${server.issuer}${path}`)).status, 404, path);
      }
    } finally {
      await server.close();
    }
  });
});

describe('required email verification for existing accounts', () => {
  let h: AccountsHarness;
  before(async () => {
    h = await startAccountsHarness({ accounts: { requireVerifiedEmail: true } });
    await addUser(h.idp.store, 'yara', 'the password of yara', { email: 'yara@example.com' });
    const yara = (await h.idp.store.findUserByUsername('yara'))!;
    await h.idp.store.updateUser({ ...yara, emailVerified: false });
  });
  after(() => h.close());

  it('stops an unverified account after the right password, mails a link, and the link signs it in', async () => {
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const wrong = await submitForm(browser, pending.loginPage, {
      username: 'yara',
      password: 'not her password',
    });
    assert.equal(wrong.status, 401, 'a wrong password learns nothing about verification');
    assert.doesNotMatch(await wrong.text(), /Confirm your email/);

    const stopped = await submitForm(browser, pending.loginPage, {
      username: 'yara',
      password: 'the password of yara',
    });
    assert.equal(stopped.status, 403);
    assert.match(await stopped.text(), /Confirm your email address first/);
    const mail = await takeMail(h.smtp, 'yara@example.com');
    const link = firstLink(mail);
    const page = await (await browser.fetch(link)).text();
    assert.match(page, /Confirm your email address/);
    const confirmed = await submitForm(browser, page, {});
    assert.equal(confirmed.status, 303);
    const tokens = await finishAtClient(h, browser, confirmed.headers.get('location')!, pending);
    assert.equal((await userInfo(h, tokens.access_token)).email_verified, true);
  });

  it('lets accounts without an address sign in as before', async () => {
    await addUser(h.idp.store, 'zoe', 'the password of zoe');
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const tokens = await finishAtClient(h, browser, pending.interactionUrl.href, pending, {
      username: 'zoe',
      password: 'the password of zoe',
    });
    assert.ok(tokens.access_token);
  });
});

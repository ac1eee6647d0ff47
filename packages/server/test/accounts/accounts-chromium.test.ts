/**
 * The account flows as a person goes through them, in Chromium: sign-up → mail → confirm → signed
 * in at the app; forgot password → mail → new password → signed in; two-step verification set up
 * on the account page, then asked at sign-in. Screenshots of every page go to
 * `.test-artifacts/` (desktop, and the sign-up page on a phone-sized screen).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import * as jose from 'jose';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { type AccountsHarness, REDIRECT_URI, startAccountsHarness, userInfo } from '../helpers/accounts.ts';
import { artifactsDirectory, launchChromium } from '../helpers/chromium.ts';
import { tokenRequest } from '../helpers/codes.ts';
import { firstLink, takeMail } from '../helpers/smtp.ts';
import { addUser } from '../helpers/test-server.ts';

const E2E = { timeout: 60_000 };
const PASSWORD = 'lantern over the quiet harbour';

/**
 * Opens the app's sign-in in a fresh browser context. The app's callback never reaches the network:
 * the page route answers it, and the code it carried is kept for the exchange.
 */
async function startSignIn(browser: Browser, h: AccountsHarness, viewport = { width: 1100, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const verifier = randomPKCECodeVerifier();
  let callback: URL | undefined;
  await page.route(`${new URL(REDIRECT_URI).origin}/**`, (route) => {
    callback = new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Signed in at the app</h1>' });
  });
  const url = new URL(`${h.idp.issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: h.client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile email',
    state: 'chromium-state',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  await page.goto(url.href);
  /** Waits for the app's callback, redeems the code: the ID token's claims and UserInfo. */
  const signedIn = async (): Promise<{ idToken: jose.JWTPayload; userinfo: Record<string, unknown> }> => {
    await page.waitForURL(`${new URL(REDIRECT_URI).origin}/**`);
    assert.ok(callback);
    assert.equal(callback.searchParams.get('state'), 'chromium-state');
    const code = callback.searchParams.get('code');
    assert.ok(code, callback.href);
    const response = await tokenRequest(
      h.idp.issuer,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
      h.client,
    );
    assert.equal(response.status, 200);
    const tokens = (await response.json()) as { access_token: string; id_token: string };
    return { idToken: jose.decodeJwt(tokens.id_token), userinfo: await userInfo(h, tokens.access_token) };
  };
  return {
    context,
    page,
    signedIn,
    /** UserInfo of the signed-in user, once the app got its code. */
    signedInUser: async () => (await signedIn()).userinfo,
  };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifactsDirectory()}accounts-${name}.png`, fullPage: true });
}

describe('account flows in Chromium', () => {
  let h: AccountsHarness;
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
    h = await startAccountsHarness({ accounts: { signUp: true, passwordReset: true, totp: true } });
  }, E2E);
  after(async () => {
    await h?.close();
    await browser?.close();
  }, E2E);

  it('sign-up → mail → confirm → signed in at the app, the address verified', E2E, async () => {
    const { context, page, signedInUser } = await startSignIn(browser, h);
    await screenshot(page, 'login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email address').fill('lena@example.com');
    await page.getByLabel('Name').fill('Lena');
    await page.getByLabel('Password').fill('password');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The browser's own check (minlength) stops a short password before it is even posted.
    assert.match(page.url(), /\/account\/sign-up/);
    await page.getByLabel('Password').fill('123qweasdzxc');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /most common/);
    await screenshot(page, 'sign-up-refused');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await screenshot(page, 'check-inbox');

    const link = firstLink(await takeMail(h.smtp, 'lena@example.com'));
    await page.goto(link);
    await page.getByRole('heading', { name: 'Finish creating your account' }).waitFor();
    await screenshot(page, 'confirm');
    await page.getByRole('button', { name: 'Confirm' }).click();
    const claims = await signedInUser();
    assert.equal(claims.email, 'lena@example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, 'Lena');
    await context.close();
  });

  it('the sign-up page fits a phone screen', E2E, async () => {
    const { context, page } = await startSignIn(browser, h, { width: 375, height: 740 });
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling');
    await screenshot(page, 'sign-up-phone');
    await context.close();
  });

  it('forgot password → mail → new password → signed in with it', E2E, async () => {
    await addUser(h.idp.store, 'mira', 'the forgotten password', { email: 'mira@example.com', name: 'Mira' });
    const { context, page, signedInUser } = await startSignIn(browser, h);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email address').fill('mira@example.com');
    await screenshot(page, 'forgot-password');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    await page.goto(firstLink(await takeMail(h.smtp, 'mira@example.com')));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password').fill(PASSWORD);
    await screenshot(page, 'reset-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Your password was changed' }).waitFor();
    await screenshot(page, 'password-changed');
    await page.getByRole('link', { name: 'Sign in' }).click();

    await page.getByLabel('Username').fill('mira');
    await page.getByLabel('Password').fill('the forgotten password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /Wrong username or password/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const claims = await signedInUser();
    assert.equal(claims.name, 'Mira');
    await context.close();
  });

  it(
    'two-step verification: set up on the account page with the QR code, then every sign-in asks for a code',
    E2E,
    async () => {
      await addUser(h.idp.store, 'otto', 'the password of otto', { email: 'otto@example.com', name: 'Otto' });
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${h.idp.issuer}/account/two-step`);
      await page.getByLabel('Username').fill('otto');
      await page.getByLabel('Password').fill('the password of otto');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
      assert.ok(await page.locator('figure.qr svg').isVisible(), 'the QR code shows');
      await screenshot(page, 'two-step-setup');
      const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replaceAll(' ', '');
      const app = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
      await page
        .getByLabel('The 6-digit code the app shows')
        .fill(app.generate({ timestamp: h.clock.now * 1000 }));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('heading', { name: 'Two-step verification is on' }).waitFor();
      assert.equal(await page.locator('ul.codes li').count(), 10);
      await screenshot(page, 'recovery-codes');
      await page.getByRole('link', { name: 'Done' }).click();
      await page.getByText('Recovery codes left').waitFor();
      await screenshot(page, 'account');
      await context.close();

      h.clock.now += 30;
      const signIn = await startSignIn(browser, h);
      await signIn.page.getByLabel('Username').fill('otto');
      await signIn.page.getByLabel('Password').fill('the password of otto');
      await signIn.page.getByRole('button', { name: 'Sign in' }).click();
      await signIn.page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      await screenshot(signIn.page, 'second-factor');
      await signIn.page.getByLabel('Code').fill(app.generate({ timestamp: h.clock.now * 1000 }));
      await signIn.page.getByRole('button', { name: 'Verify' }).click();
      const { idToken, userinfo } = await signIn.signedIn();
      assert.equal(userinfo.name, 'Otto');
      assert.equal(idToken.acr, '2');
      assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);
      await signIn.context.close();
    },
  );
});

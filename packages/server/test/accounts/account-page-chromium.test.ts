/**
 * The whole account page in Chromium, as a person sees it: profile, password, two-step
 * verification, passkeys, the browsers signed in and the apps holding access; on a desktop and on
 * a phone-sized screen (no sideways scrolling). Screenshots go to `.test-artifacts/`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type AccountsHarness, REDIRECT_URI, startAccountsHarness } from '../helpers/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { artifactsDirectory, launchChromium } from '../helpers/chromium.ts';
import { codeExchange, obtainCode, tokenRequest } from '../helpers/codes.ts';
import { addClient, addUser } from '../helpers/test-server.ts';

const E2E = { timeout: 60_000 };
const IRIS = { username: 'iris', password: 'the password of iris, long enough' };

describe('the account page in Chromium', () => {
  let h: AccountsHarness;
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
    h = await startAccountsHarness({ accounts: { accountPage: true, totp: true, passkeys: true } });
    await addUser(h.idp.store, IRIS.username, IRIS.password, {
      email: 'iris@example.com',
      name: 'Iris Hale',
    });
    // Iris signed in to two apps from another browser, which stays signed in.
    const printer = await addClient(h.idp.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: false,
      name: 'Photo Printer',
    });
    const other = new TestBrowser();
    for (const [client, scope] of [
      [{ clientId: printer.clientId, clientSecret: printer.clientSecret! }, 'openid profile offline_access'],
      [h.client, 'openid profile email'],
    ] as const) {
      const obtained = await obtainCode(h.idp.issuer, client.clientId, REDIRECT_URI, IRIS, {
        scope,
        browser: other,
      });
      assert.equal((await tokenRequest(h.idp.issuer, codeExchange(obtained), client)).status, 200);
    }
  }, E2E);
  after(async () => {
    await h?.close();
    await browser?.close();
  }, E2E);

  it(
    'shows the sessions and apps, fits a phone screen, refuses a wrong password, ends a session and revokes an app',
    E2E,
    async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${h.idp.issuer}/account`);
      await page.getByLabel('Username').fill(IRIS.username);
      await page.getByLabel('Password').fill(IRIS.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Iris Hale');
      assert.equal(await page.locator('#sessions ul.rows > li').count(), 2);
      assert.equal(await page.locator('#apps ul.rows > li').count(), 2);
      await page.getByText('Photo Printer').waitFor();
      await page.screenshot({ path: `${artifactsDirectory()}account-full.png`, fullPage: true });

      await page.setViewportSize({ width: 375, height: 740 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'no horizontal scrolling');
      await page.screenshot({ path: `${artifactsDirectory()}account-phone.png`, fullPage: true });

      await page.setViewportSize({ width: 1100, height: 900 });
      await page.getByLabel('Current password').fill('not the password of iris');
      await page.getByLabel('New password').fill('a new password for iris to use');
      await page.getByRole('button', { name: 'Change password' }).click();
      const refused = page.locator('#password').getByRole('alert');
      await refused.waitFor();
      assert.match((await refused.textContent()) ?? '', /current password is not right/);
      assert.ok(page.url().endsWith('/account/password#password'), 'opened at the password section');
      await page.screenshot({ path: `${artifactsDirectory()}account-password-refused.png` });

      await page.getByRole('button', { name: 'End session' }).click();
      await page.getByRole('status').getByText('That device was signed out').waitFor();
      assert.equal(await page.locator('#sessions ul.rows > li').count(), 1);
      await page.getByRole('button', { name: 'Revoke access' }).first().click();
      await page.getByRole('status').getByText('can no longer use your account').waitFor();
      assert.equal(await page.locator('#apps ul.rows > li').count(), 1);
      await page.screenshot({ path: `${artifactsDirectory()}account-after-changes.png`, fullPage: true });
      await context.close();
    },
  );
});

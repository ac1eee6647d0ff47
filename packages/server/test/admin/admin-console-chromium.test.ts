/**
 * The admin console in Chromium, the proof: an administrator signs in, creates a client,
 * a person signs in to that client, the administrator revokes its grant and finds both in the
 * audit log; an account without the role is refused. Screenshots go to `.test-artifacts/`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import type { Browser, Page } from 'playwright-core';
import {
  type AppCallback,
  artifactsDirectory,
  launchChromium,
  startAppCallback,
} from '../helpers/chromium.ts';
import { tokenRequest } from '../helpers/codes.ts';
import { addUser, startTestServer, type TestServer } from '../helpers/test-server.ts';

const E2E = { timeout: 90_000 };
const ADA = { username: 'ada', password: 'ada has a long password' };
const BOB = { username: 'bob', password: 'bob has a long password' };

describe('the admin console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let app: AppCallback;
  before(async () => {
    browser = await launchChromium();
    app = await startAppCallback();
    server = await startTestServer({ scopes: ['openid', 'profile', 'email', 'offline_access'] });
    const adaId = await addUser(server.store, ADA.username, ADA.password, { name: 'Ada Admin' });
    await server.store.updateUser({ ...(await server.store.findUserById(adaId))!, admin: true });
    await addUser(server.store, BOB.username, BOB.password, { email: 'bob@example.com' });
  }, E2E);
  after(async () => {
    await server?.close();
    await browser?.close();
    app?.close();
  }, E2E);

  async function signInAt(page: Page, url: string, user: typeof ADA): Promise<void> {
    await page.goto(url);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it(
    'creates a client, sees a person sign in with it, revokes its grant and finds it all in the audit log',
    E2E,
    async () => {
      const admin = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
      await signInAt(admin, `${server.issuer}/admin`, ADA);
      await admin.getByRole('heading', { name: 'Overview' }).waitFor();

      await admin.getByRole('link', { name: 'Clients' }).click();
      await admin.getByRole('link', { name: 'New client' }).click();
      await admin.getByLabel('Name').fill('Billing');
      await admin.getByLabel('Redirect URIs, one per line').fill(app.redirectUri);
      await admin.getByLabel('First-party').check();
      await admin.getByRole('button', { name: 'Create client' }).click();
      await admin.getByRole('heading', { name: 'Client secret' }).waitFor();
      const clientId = (await admin.locator('#client-id').textContent()) ?? '';
      const clientSecret = (await admin.locator('#client-secret').textContent()) ?? '';
      assert.ok(clientId && clientSecret.length >= 43);
      await admin.screenshot({ path: `${artifactsDirectory()}admin-client-created.png`, fullPage: true });

      // Bob signs in to Billing in his own browser; Billing redeems the code.
      const person = await (await browser.newContext()).newPage();
      const verifier = randomPKCECodeVerifier();
      const authorize = new URL(`${server.issuer}/authorize`);
      authorize.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: app.redirectUri,
        response_type: 'code',
        scope: 'openid offline_access',
        state: 'billing-state',
        code_challenge: await calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString();
      await signInAt(person, authorize.href, BOB);
      await person.getByRole('heading', { name: 'Signed in at the app' }).waitFor();
      const code = new URL(person.url()).searchParams.get('code') ?? '';
      const exchange = await tokenRequest(
        server.issuer,
        { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, code_verifier: verifier },
        { clientId, clientSecret },
      );
      assert.equal(exchange.status, 200);
      const { refresh_token: refreshToken } = (await exchange.json()) as { refresh_token: string };

      // The administrator finds Bob, sees Billing holding access, and revokes it.
      await admin.getByRole('link', { name: 'Users' }).click();
      await admin.getByRole('link', { name: 'bob' }).click();
      const grantRow = admin.locator('tr', { hasText: 'Billing' });
      await grantRow.waitFor();
      await grantRow.getByRole('button', { name: 'Revoke' }).click();
      await admin.getByText('The app’s access was revoked.').waitFor();
      assert.equal(await admin.locator('tr', { hasText: 'Billing' }).count(), 0);
      const refresh = await tokenRequest(
        server.issuer,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        { clientId, clientSecret },
      );
      assert.equal(refresh.status, 400, 'Billing lost its access');

      await admin.getByRole('link', { name: 'Audit log' }).click();
      const revokedRow = admin.locator('tr', { hasText: 'admin.grant.revoked' });
      await revokedRow.waitFor();
      assert.match((await revokedRow.textContent()) ?? '', new RegExp(clientId));
      await admin.locator('tr', { hasText: 'admin.client.created' }).waitFor();
      await admin
        .locator('tr', { hasText: 'consent' })
        .first()
        .waitFor({ state: 'attached' })
        .catch(() => {});
      const tokenRow = admin
        .locator('tr', { hasText: 'grant_type=authorization_code' })
        .filter({ hasText: clientId });
      assert.equal(await tokenRow.count(), 1, 'Billing’s token is logged');
      await admin.screenshot({ path: `${artifactsDirectory()}admin-audit-log.png`, fullPage: true });

      await admin.setViewportSize({ width: 375, height: 740 });
      await admin.getByRole('link', { name: 'Users' }).click();
      const overflow = await admin.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'no sideways scrolling on a phone');
      await admin.screenshot({ path: `${artifactsDirectory()}admin-users-phone.png`, fullPage: true });
    },
  );

  it('refuses an account that is not an administrator', E2E, async () => {
    const page = await (await browser.newContext()).newPage();
    await signInAt(page, `${server.issuer}/admin`, BOB);
    await page.getByRole('heading', { name: 'Not an administrator' }).waitFor();
    await page.screenshot({ path: `${artifactsDirectory()}admin-refused.png`, fullPage: true });
    await page.goto(`${server.issuer}/admin/users`);
    assert.ok(new URL(page.url()).pathname !== '/admin/users', 'still kept out: sent to sign in');
    await server.server.flushAuditLog();
    const [refused] = await server.store.listAuditEvents({
      type: 'admin.sign_in',
      outcome: 'failure',
      limit: 1,
    });
    assert.equal(refused?.reason, 'not_admin');
  });
});

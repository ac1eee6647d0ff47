/**
 * Passkeys in Chromium with a virtual authenticator (CDP WebAuthn domain: a platform authenticator
 * with resident keys and user verification): added on the account page, then signing in with no
 * password, a passkey as the second factor after a password, a replayed answer refused, and a
 * removed passkey refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import * as jose from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type AccountsHarness, REDIRECT_URI, startAccountsHarness } from '../helpers/accounts.ts';
import {
  type AppCallback,
  artifactsDirectory,
  launchChromium,
  startAppCallback,
} from '../helpers/chromium.ts';
import { tokenRequest } from '../helpers/codes.ts';
import { addUser } from '../helpers/test-server.ts';

const E2E = { timeout: 60_000 };
const PASSWORD = 'the password of pia, long';

/** A browser context whose page has a virtual platform authenticator (its passkeys live in it). */
async function pageWithAuthenticator(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page };
}

/**
 * The app's callback: a real server on a loopback port (the client's registered loopback redirect
 * URI matches any port, RFC 8252 §7.3), where the browser lands with the code.
 */
let redirectUri = REDIRECT_URI;

/** Opens the client's authorization request (`prompt=login`: a fresh sign-in even with a session). */
async function openClientSignIn(h: AccountsHarness, page: Page): Promise<string> {
  const verifier = randomPKCECodeVerifier();
  const url = new URL(`${h.idp.issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: h.client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    prompt: 'login',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  await page.goto(url.href);
  return verifier;
}

/** Waits for the client's callback and redeems its code: the ID token's claims. */
async function idTokenAtClient(h: AccountsHarness, page: Page, verifier: string): Promise<jose.JWTPayload> {
  await page.waitForURL(`${new URL(redirectUri).origin}/**`);
  const code = new URL(page.url()).searchParams.get('code');
  assert.ok(code, page.url());
  const response = await tokenRequest(
    h.idp.issuer,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    h.client,
  );
  assert.equal(response.status, 200);
  return jose.decodeJwt(((await response.json()) as { id_token: string }).id_token);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifactsDirectory()}passkeys-${name}.png`, fullPage: true });
}

describe('passkeys in Chromium', () => {
  let h: AccountsHarness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let piaId: string;
  let app: AppCallback;
  before(async () => {
    app = await startAppCallback();
    redirectUri = app.redirectUri;
    browser = await launchChromium();
    h = await startAccountsHarness({ accounts: { passkeys: true } });
    piaId = await addUser(h.idp.store, 'pia', PASSWORD, { email: 'pia@example.com', name: 'Pia' });
    ({ context, page } = await pageWithAuthenticator(browser));
  }, E2E);
  after(async () => {
    await context?.close();
    await h?.close();
    await browser?.close();
    app?.close();
  }, E2E);

  it('adds a passkey on the account page', E2E, async () => {
    await page.goto(`${h.idp.issuer}/account`);
    await page.getByLabel('Username').fill('pia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
    await page.getByLabel('Name of the new passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Test laptop').waitFor();
    await screenshot(page, 'account');
    const passkeys = await h.idp.store.listPasskeys(piaId);
    assert.equal(passkeys.length, 1);
    assert.equal(passkeys[0]!.name, 'Test laptop');
    assert.equal(passkeys[0]!.backedUp, false);
  });

  it('signs in with the passkey alone: no password, acr 2, amr hwk user mfa', E2E, async () => {
    const verifier = await openClientSignIn(h, page);
    await screenshot(page, 'login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const claims = await idTokenAtClient(h, page, verifier);
    assert.equal(claims.sub, piaId);
    assert.equal(claims.acr, '2');
    assert.deepEqual(claims.amr, ['hwk', 'user', 'mfa']);
    assert.ok((await h.idp.store.listPasskeys(piaId))[0]!.lastUsedAt, 'its use is recorded');
  });

  it('asks for the passkey after the password, as the second factor', E2E, async () => {
    const verifier = await openClientSignIn(h, page);
    await page.getByLabel('Username').fill('pia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    assert.equal(
      await page.locator('input[name="code"]').count(),
      0,
      'no code field without an authenticator app',
    );
    await screenshot(page, 'second-factor');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const claims = await idTokenAtClient(h, page, verifier);
    assert.equal(claims.acr, '2');
    assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  });

  it('refuses a replayed passkey answer', E2E, async () => {
    await openClientSignIn(h, page);
    // Catch the browser's answer on its way, and send it ourselves: once, then again.
    let answer: { url: string; body: string } | undefined;
    await page.route('**/passkey', async (route) => {
      answer = { url: route.request().url(), body: route.request().postData() ?? '' };
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: '{"location":"about:blank"}',
      });
    });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL('about:blank');
    await page.unroute('**/passkey');
    assert.ok(answer);
    const cookie = (await context.cookies(h.idp.issuer)).map((c) => `${c.name}=${c.value}`).join('; ');
    const send = () =>
      fetch(answer!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: answer!.body,
      });
    const first = await send();
    assert.equal(first.status, 200, await first.clone().text());
    const replay = await send();
    assert.equal(replay.status, 401);
    assert.match(
      ((await replay.json()) as { error_description: string }).error_description,
      /did not verify/,
    );

    const forged = await fetch(answer.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: answer.body.replace(/csrf_token=[^&]+/, 'csrf_token=forged'),
    });
    assert.equal(forged.status, 403, 'the CSRF token of the interaction is checked');
  });

  it('a removed passkey no longer signs in', E2E, async () => {
    await page.goto(`${h.idp.issuer}/account`);
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    assert.deepEqual(await h.idp.store.listPasskeys(piaId), []);

    await openClientSignIn(h, page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const alert = page.locator('#passkey-error');
    await alert.waitFor({ state: 'visible' });
    assert.match((await alert.textContent()) ?? '', /not known here/);
    await screenshot(page, 'refused');
  });
});

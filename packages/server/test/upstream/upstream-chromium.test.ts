/**
 * "Sign in with …" end to end in Chromium: our login page → the upstream provider's own pages
 * (`oidc-provider`'s development login and consent) → back to us → the app gets its code, for an
 * account created from the provider's verified claims.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import * as jose from 'jose';
import type { Browser } from 'playwright-core';
import { type AccountsHarness, startAccountsHarness } from '../helpers/accounts.ts';
import {
  type AppCallback,
  artifactsDirectory,
  launchChromium,
  startAppCallback,
} from '../helpers/chromium.ts';
import { tokenRequest } from '../helpers/codes.ts';
import { reserveUpstreamProvider, type UpstreamProviderServer } from '../helpers/upstream-provider.ts';

const E2E = { timeout: 60_000 };

describe('sign in with an upstream provider, in Chromium', () => {
  let upstream: UpstreamProviderServer;
  let h: AccountsHarness;
  let browser: Browser;
  let app: AppCallback;
  let redirectUri: string;
  before(async () => {
    browser = await launchChromium();
    upstream = await reserveUpstreamProvider({
      zoe: { email: 'zoe@corp.example', email_verified: true, name: 'Zoe' },
    });
    h = await startAccountsHarness({
      upstreamProviders: [
        {
          id: 'corp',
          name: 'Corp',
          issuer: upstream.issuer,
          clientId: upstream.clientId,
          clientSecret: upstream.clientSecret,
          allowInsecureRequests: true,
        },
      ],
    });
    await upstream.start(`${h.idp.issuer}/upstream/callback`);
    // The app's callback: a real loopback server (the client's loopback redirect URI matches any port).
    app = await startAppCallback();
    redirectUri = app.redirectUri;
  }, E2E);
  after(async () => {
    await h?.close();
    await upstream?.close();
    await browser?.close();
    app?.close();
  }, E2E);

  it(
    'signs a new person in through the provider: account created from its verified claims',
    E2E,
    async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      const page = await context.newPage();
      const verifier = randomPKCECodeVerifier();
      const url = new URL(`${h.idp.issuer}/authorize`);
      url.search = new URLSearchParams({
        client_id: h.client.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid profile email',
        code_challenge: await calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString();
      await page.goto(url.href);
      await page.screenshot({ path: `${artifactsDirectory()}upstream-login.png`, fullPage: true });
      await page.getByRole('link', { name: 'Sign in with Corp' }).click();

      await page.waitForURL(`${upstream.issuer}/**`);
      await page.locator('input[name="login"]').fill('zoe');
      await page.locator('input[name="password"]').fill('anything');
      await page.locator('button[type="submit"]').click();
      await page.locator('button[type="submit"]').waitFor(); // the provider's consent page
      await page.locator('button[type="submit"]').click();

      await page.waitForURL(`${new URL(redirectUri).origin}/**`);
      const code = new URL(page.url()).searchParams.get('code');
      assert.ok(code);
      const response = await tokenRequest(
        h.idp.issuer,
        { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
        h.client,
      );
      assert.equal(response.status, 200);
      const claims = jose.decodeJwt(((await response.json()) as { id_token: string }).id_token);
      const zoe = await h.idp.store.findUserByUsername('zoe@corp.example');
      assert.equal(claims.sub, zoe?.id);
      assert.equal(zoe?.name, 'Zoe');
      assert.equal(zoe?.emailVerified, true);
      await context.close();
    },
  );
});

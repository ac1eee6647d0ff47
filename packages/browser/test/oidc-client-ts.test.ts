import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { UserManager } from 'oidc-client-ts';
import { E2E, freshPage, type Harness, logIn, startHarness } from './helpers/harness.ts';

interface OidcPage {
  userManager: UserManager;
  ready: boolean;
  error: string;
}

/** oidc-client-ts's page, bundled like an app would: /oidc-client-ts/ and its callback. */
async function oidcClientTsPage(config: { issuer: string; clientId: string }) {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/oidc-client-ts-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const json = JSON.stringify({ authority: config.issuer, client_id: config.clientId }).replace(
    /</g,
    '\\u003c',
  );
  const html =
    new TextEncoder().encode(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>oidc-client-ts</title>
<script type="application/json" id="config">${json}</script><script type="module" src="/oidc-client-ts/app.js"></script>
</head><body><main><h1>oidc-client-ts</h1></main></body></html>`);
  const page = { contentType: 'text/html; charset=utf-8', body: html };
  return new Map([
    ['/oidc-client-ts/', page],
    ['/oidc-client-ts/callback', page],
    ['/oidc-client-ts/app.js', { contentType: 'text/javascript', body: bundle.outputFiles[0]!.contents }],
  ]);
}

let h: Harness;
before(async () => {
  h = await startHarness({ extraFiles: oidcClientTsPage });
}, E2E);
after(() => h?.close(), E2E);

test('oidc-client-ts signs in against @codegrant/server, refreshes and calls UserInfo', E2E, async () => {
  const { context, page } = await freshPage(h);
  await page.goto(`${h.origin}/oidc-client-ts/`);
  await page.waitForFunction(() => (globalThis as unknown as { oidc?: OidcPage }).oidc?.ready);
  await page.evaluate(() => {
    void (globalThis as unknown as { oidc: OidcPage }).oidc.userManager.signinRedirect(); // this page leaves
  });
  await page.waitForURL(`${h.idp.issuer}/interaction/**`);
  await logIn(page);
  await page.waitForURL(`${h.origin}/oidc-client-ts/`);
  await page.waitForFunction(() => (globalThis as unknown as { oidc?: OidcPage }).oidc?.ready);
  const result = await page.evaluate(async () => {
    const oidc = (globalThis as unknown as { oidc: OidcPage }).oidc;
    const user = await oidc.userManager.getUser();
    const renewed = await oidc.userManager.signinSilent(); // oidc-client-ts uses the refresh token
    const userinfo = await fetch(`${oidc.userManager.settings.authority}/userinfo`, {
      headers: { authorization: `Bearer ${renewed?.access_token}` },
    });
    return {
      error: oidc.error,
      sub: user?.profile.sub,
      issuer: user?.profile.iss,
      hasRefreshToken: !!user?.refresh_token,
      renewed: renewed?.access_token !== user?.access_token,
      sameSub: renewed?.profile.sub === user?.profile.sub,
      userinfo: [userinfo.status, ((await userinfo.json()) as { email?: string }).email],
    };
  });
  assert.equal(result.error, '');
  assert.ok(result.sub);
  assert.equal(result.issuer, h.idp.issuer);
  assert.equal(result.hasRefreshToken, true);
  assert.equal(result.renewed, true);
  assert.equal(result.sameSub, true);
  assert.deepEqual(result.userinfo, [200, 'alice@example.com']);
  await context.close();
});

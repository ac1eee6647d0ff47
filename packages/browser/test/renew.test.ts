import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  currentUser,
  E2E,
  freshPage,
  type Harness,
  openSpa,
  signInWithRedirect,
  startHarness,
} from './helpers/harness.ts';

// Access tokens live 5 s here: the automatic renewal starts after 2.5 s (half the lifetime, as it
// is shorter than twice the 60 s notification time).
let h: Harness;
before(async () => {
  h = await startHarness({ server: { lifetimes: { accessToken: 5 } } });
}, E2E);
after(() => h?.close(), E2E);

/** Resolves with the access token of the next `userLoaded` of the page. */
const nextUserLoaded = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const stop = spa.userManager.events.addUserLoaded((user) => {
          stop();
          resolve(user.access_token);
        });
      }),
  );

/** Counts the page's token endpoint requests, by grant type. */
function countTokenRequests(page: Page): Record<string, number> {
  const counts: Record<string, number> = {};
  page.on('request', (request) => {
    if (request.url() !== `${h.idp.issuer}/token` || request.method() !== 'POST') return;
    const grant = new URLSearchParams(request.postData() ?? '').get('grant_type') ?? '?';
    counts[grant] = (counts[grant] ?? 0) + 1;
  });
  return counts;
}

const callApi = (page: Page) =>
  page.evaluate(async () => {
    const response = await spa.userManager.fetchProtectedResource(
      `${spa.userManager.settings.authority}/userinfo`,
    );
    return response.status;
  });

test('automatic silent renew with the refresh token before the access token expires', E2E, async () => {
  const { context, page } = await freshPage(h);
  await signInWithRedirect(h, page);
  const first = await currentUser(page);
  const renewed = await nextUserLoaded(page);
  assert.notEqual(renewed, first?.access_token);
  const now = await currentUser(page);
  assert.equal(now?.access_token, renewed);
  assert.notEqual(now?.refresh_token, first?.refresh_token, 'the refresh token was rotated');
  assert.equal(now?.profile.sub, first?.profile.sub);
  assert.equal(now?.expired, false);
  const log = await page.evaluate(() => spa.log);
  assert.ok(log.includes('accessTokenExpiring'), 'accessTokenExpiring fired first');
  assert.ok(!log.includes('accessTokenExpired'), 'the token was renewed before it expired');
  assert.equal(await callApi(page), 200);
  await context.close();
});

test(
  'signinSilent without a refresh token: a hidden iframe with prompt=none, on the session cookie',
  E2E,
  async () => {
    const { context, page } = await freshPage(h);
    await signInWithRedirect(h, page);
    await page.evaluate(async () => {
      spa.userManager.settings.automaticSilentRenew = false; // renewals by hand only from here
      await spa.userManager.signinSilent(); // joins a renewal in flight, if any
    });
    const counts = countTokenRequests(page);
    const result = await page.evaluate(async () => {
      const manager = spa.userManager;
      const user = (await manager.getUser())!;
      user.refresh_token = undefined;
      await manager.storeUser(user);
      const renewed = await manager.signinSilent();
      return {
        before: user.access_token,
        after: renewed.access_token,
        sub: [user.profile.sub, renewed.profile.sub],
        iframes: document.querySelectorAll('iframe').length,
      };
    });
    assert.notEqual(result.after, result.before);
    assert.equal(result.sub[0], result.sub[1]);
    assert.equal(result.iframes, 0, 'the iframe is removed');
    assert.deepEqual(counts, { authorization_code: 1 }, 'a code from the iframe, no refresh');
    assert.equal(await callApi(page), 200);
    await context.close();
  },
);

test(
  'two tabs renewing at once: one refresh, the other tab takes its result, the grant survives',
  E2E,
  async () => {
    const { context, page: a } = await freshPage(h);
    await signInWithRedirect(h, a);
    const manual = async (page: Page) =>
      page.evaluate(async () => {
        spa.userManager.settings.automaticSilentRenew = false; // this test renews by hand, at once
        await spa.userManager.signinSilent(); // joins a renewal in flight, if any
      });
    await manual(a);
    // A duplicated tab: window.open copies this tab's sessionStorage, so both hold the same refresh token.
    const [b] = await Promise.all([
      context.waitForEvent('page'),
      a.evaluate(() => window.open(location.href)),
    ]);
    await openSpa(b!, `${h.origin}/`);
    await b!.evaluate(() => {
      spa.userManager.settings.automaticSilentRenew = false;
    });
    const shared = await currentUser(b!);
    assert.equal(shared?.refresh_token, (await currentUser(a))?.refresh_token);
    const counts = [countTokenRequests(a), countTokenRequests(b!)];
    const renew = (page: Page) =>
      page.evaluate(async () => {
        const user = await spa.userManager.signinSilent();
        return { access: user.access_token, refresh: user.refresh_token };
      });
    const [fromA, fromB] = await Promise.all([renew(a), renew(b!)]);
    assert.deepEqual(fromA, fromB, 'both tabs end with the same tokens');
    assert.notEqual(fromA.refresh, shared?.refresh_token);
    const refreshes = (counts[0]!.refresh_token ?? 0) + (counts[1]!.refresh_token ?? 0);
    assert.equal(refreshes, 1, 'one refresh request for both tabs');
    // The grant was not revoked for reuse: the tokens work, and renew again, in either tab.
    assert.equal(await callApi(a), 200);
    assert.equal(await callApi(b!), 200);
    const next = await renew(b!);
    assert.notEqual(next.access, fromA.access);
    assert.equal(
      (await currentUser(a))?.access_token,
      next.access,
      'tab A took tab B’s renewal (BroadcastChannel)',
    );
    await context.close();
  },
);

test('two tabs on automatic renewal: rounds of renewals, no reuse detected, no error', E2E, async () => {
  const { context, page: a } = await freshPage(h);
  await signInWithRedirect(h, a);
  const [b] = await Promise.all([context.waitForEvent('page'), a.evaluate(() => window.open(location.href))]);
  await openSpa(b!, `${h.origin}/`);
  // Two rounds of renewal in both tabs (each tab's timers fire; the lock serializes them).
  for (let round = 0; round < 2; round++) await Promise.all([nextUserLoaded(a), nextUserLoaded(b!)]);
  for (const page of [a, b!]) {
    const log = await page.evaluate(() => spa.log);
    assert.deepEqual(
      log.filter((entry) => entry.startsWith('error')),
      [],
    );
    assert.equal(await callApi(page), 200);
  }
  await context.close();
});

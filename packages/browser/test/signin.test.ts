import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { artifactsDirectory } from '../../server/test/helpers/chromium.ts';
import {
  currentUser,
  E2E,
  freshPage,
  type Harness,
  logIn,
  openSpa,
  signInWithRedirect,
  startHarness,
} from './helpers/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
}, E2E);
after(() => h?.close(), E2E);

test('redirect sign-in: the user is validated, stored and shown; the API answers', E2E, async () => {
  const { context, page } = await freshPage(h);
  await signInWithRedirect(h, page);
  assert.equal(new URL(page.url()).pathname, '/', 'the callback URL (with its code) is replaced');
  const user = await currentUser(page);
  assert.ok(user);
  assert.equal(user.profile.sub.length > 0, true);
  assert.equal(user.profile.iss, h.idp.issuer);
  assert.equal(user.profile.aud, h.clientId);
  assert.equal(user.profile.email, 'alice@example.com', 'loadUserInfo completed the profile');
  assert.equal(await page.textContent('#status'), 'Signed in as Alice');
  assert.equal(user.token_type, 'Bearer');
  assert.ok(user.refresh_token, 'offline_access gives a refresh token');
  assert.equal(user.expired, false);
  assert.deepEqual(user.state, { returnTo: '/' }, 'the app state made the round trip');
  // The request state was used once and removed.
  const leftovers = await page.evaluate(() =>
    Object.keys(sessionStorage).filter((k) => k.includes('request.')),
  );
  assert.deepEqual(leftovers, []);

  await page.click('#call-api');
  await page.waitForFunction(() => globalThis.spa?.log.includes('api 200'));
  const api = await page.textContent('#api-result');
  assert.match(api ?? '', /"email": "alice@example.com"/);

  await page.screenshot({ path: `${artifactsDirectory()}spa-signed-in.png`, fullPage: true });
  await context.close();
});

test('popup sign-in: this page stays, the popup closes, the user is loaded', E2E, async () => {
  const { context, page } = await freshPage(h);
  await openSpa(page, `${h.origin}/`);
  await page.evaluate(() => {
    (globalThis as { marker?: number }).marker = 42; // gone if the page reloads
  });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#signin-popup')]);
  await popup.waitForURL(`${h.idp.issuer}/interaction/**`);
  await logIn(popup);
  await page.waitForFunction(() => globalThis.spa?.log.includes('signed in (popup)'));
  if (!popup.isClosed()) await popup.waitForEvent('close'); // closed by this page, after the hand-over
  assert.equal(await page.evaluate(() => document.body.dataset.signedIn), 'true');
  assert.equal(await page.evaluate(() => (globalThis as { marker?: number }).marker), 42);
  assert.ok(await page.evaluate(() => spa.log.includes('userLoaded')));
  const user = await currentUser(page);
  assert.ok(user?.access_token);
  await context.close();
});

test('getUser() after a reload: the same user, from sessionStorage', E2E, async () => {
  const { context, page } = await freshPage(h);
  await signInWithRedirect(h, page);
  const before = await currentUser(page);
  await page.reload();
  await page.waitForFunction(() => document.body?.dataset.ready === 'true');
  const after = await currentUser(page);
  assert.equal(after?.access_token, before?.access_token);
  assert.equal(after?.profile.sub, before?.profile.sub);
  assert.equal(await page.evaluate(() => document.body?.dataset.signedIn), 'true');
  // Another tab of the same browser has its own sessionStorage: signed out there.
  const other = await context.newPage();
  await openSpa(other, `${h.origin}/`);
  assert.equal(await currentUser(other), null);
  await context.close();
});

test(
  'sign-out with a redirect: the user is removed and the identity provider session ended',
  E2E,
  async () => {
    const { context, page } = await freshPage(h);
    await signInWithRedirect(h, page);
    await page.click('#signout-redirect');
    await page.waitForFunction(() => globalThis.spa?.log.includes('signed out'));
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await currentUser(page), null);
    assert.equal(await page.evaluate(() => document.body?.dataset.signedIn), 'false');
    // No session at the identity provider any more: a silent sign-in is refused.
    const refused = await page.evaluate(() =>
      spa.userManager.signinSilent().then(
        () => null,
        (err) => ({ code: err.code, error: err.error }),
      ),
    );
    assert.deepEqual(refused, { code: 'ERR_AUTHORIZATION_ERROR', error: 'login_required' });
    await context.close();
  },
);

test('sign-out with a popup: the popup closes, this page is signed out', E2E, async () => {
  const { context, page } = await freshPage(h);
  await signInWithRedirect(h, page);
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#signout-popup')]);
  await page.waitForFunction(() => globalThis.spa?.log.includes('signed out (popup)'));
  if (!popup.isClosed()) await popup.waitForEvent('close'); // closed by this page, after the hand-over
  assert.equal(await page.evaluate(() => document.body.dataset.signedIn), 'false');
  assert.equal(await currentUser(page), null);
  assert.equal(await page.textContent('#error'), '');
  await context.close();
});

for (const [name, tamper, code] of [
  ['a wrong state', (url: URL) => url.searchParams.set('state', `r.${'x'.repeat(43)}`), 'ERR_STATE_MISMATCH'],
  ['a wrong iss', (url: URL) => url.searchParams.set('iss', 'https://attacker.example'), 'ERR_ISS_MISMATCH'],
  ['no iss', (url: URL) => url.searchParams.delete('iss'), 'ERR_ISS_MISSING'],
] as const) {
  test(`a tampered callback is refused: ${name}`, E2E, async () => {
    const { context, page } = await freshPage(h);
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url() === `${h.idp.issuer}/token`) tokenRequests.push(request.method());
    });
    // The identity provider's redirects after the login form are followed here, and the one to
    // the callback is tampered with (Playwright routes only the first request of a redirect chain).
    await context.route(`${h.idp.issuer}/interaction/*/login`, async (route) => {
      let response = await route.fetch({ maxRedirects: 0 });
      let location = response.headers().location;
      while (location?.startsWith(h.idp.issuer)) {
        response = await context.request.get(location, { maxRedirects: 0 });
        location = response.headers().location;
      }
      assert.ok(location?.startsWith(`${h.origin}/callback?`), `unexpected redirect to ${location}`);
      const url = new URL(location!);
      tamper(url);
      return route.fulfill({ status: 303, headers: { location: url.href } });
    });
    await openSpa(page, `${h.origin}/`);
    await page.click('#signin-redirect');
    await page.waitForURL(`${h.idp.issuer}/interaction/**`);
    await logIn(page);
    await page.waitForFunction(() => globalThis.spa?.log.some((entry) => entry.startsWith('error')));
    assert.match((await page.textContent('#error')) ?? '', new RegExp(`^${code}: `));
    assert.equal(await currentUser(page), null);
    assert.deepEqual(tokenRequests, [], 'the code was never sent to the token endpoint');
    await context.close();
  });
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  currentUser,
  E2E,
  freshPage,
  type Harness,
  signInWithRedirect,
  startHarness,
} from './helpers/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ spa: { dpop: true, automaticSilentRenew: false } });
}, E2E);
after(() => h?.close(), E2E);

test('DPoP: a non-extractable key in IndexedDB, the code and the tokens bound to it', E2E, async () => {
  const { context, page } = await freshPage(h);
  const authorizeUrls: URL[] = [];
  const apiHeaders: Array<Record<string, string>> = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.href.startsWith(`${h.idp.issuer}/authorize`)) authorizeUrls.push(url);
    if (url.href === `${h.idp.issuer}/userinfo` && request.method() === 'GET')
      apiHeaders.push(request.headers());
  });
  await signInWithRedirect(h, page);
  const user = await currentUser(page);
  assert.equal(user?.token_type, 'DPoP');
  assert.match(
    authorizeUrls[0]?.searchParams.get('dpop_jkt') ?? '',
    /^[\w-]{43}$/,
    'dpop_jkt binds the code',
  );

  const key = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('codegrant');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const store = db.transaction('dpop-keys').objectStore('dpop-keys');
    const keys = await new Promise<CryptoKeyPair[]>((resolve) => {
      const request = store.getAll();
      request.onsuccess = () => resolve(request.result as CryptoKeyPair[]);
    });
    db.close();
    const { privateKey } = keys[0]!;
    const algorithm = privateKey.algorithm as EcKeyAlgorithm;
    return {
      count: keys.length,
      extractable: privateKey.extractable,
      name: algorithm.name,
      curve: algorithm.namedCurve,
    };
  });
  assert.deepEqual(key, { count: 1, extractable: false, name: 'ECDSA', curve: 'P-256' });

  // The protected resource: DPoP scheme and a proof; the same token as a bearer token is refused.
  const status = await page.evaluate(async () => {
    const withProof = await spa.userManager.fetchProtectedResource(
      `${spa.userManager.settings.authority}/userinfo`,
    );
    const user = (await spa.userManager.getUser())!;
    const asBearer = await fetch(`${spa.userManager.settings.authority}/userinfo`, {
      headers: { authorization: `Bearer ${user.access_token}` },
    });
    return [withProof.status, asBearer.status];
  });
  assert.deepEqual(status, [200, 401]);
  assert.match(apiHeaders[0]?.authorization ?? '', /^DPoP /);
  assert.match(apiHeaders[0]?.dpop ?? '', /^ey/);

  // The refresh token is bound to the key too (public client): renewing proves possession again.
  const renewed = await page.evaluate(async () => {
    const user = await spa.userManager.signinSilent();
    const response = await spa.userManager.fetchProtectedResource(
      `${spa.userManager.settings.authority}/userinfo`,
    );
    return { type: user.token_type, status: response.status };
  });
  assert.deepEqual(renewed, { type: 'DPoP', status: 200 });
  await context.close();
});

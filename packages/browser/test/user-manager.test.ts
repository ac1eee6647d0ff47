/**
 * UserManager in Node (no window: in-memory storage by default) against @codegrant/server over
 * HTTP. The Navigator interface lets the popup and iframe flows run through the server's test
 * browser (a cookie jar that fills the login form), so the library's logic is tested without
 * Chromium; the browser tests (signin, renew, dpop) cover the real windows.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import { signIn } from '../../server/test/helpers/sign-in.ts';
import {
  addClient,
  addUser,
  startTestServer,
  type TestServer,
} from '../../server/test/helpers/test-server.ts';
import {
  type Navigator,
  type Navigators,
  type User,
  UserManager,
  UserManagerError,
  type UserManagerSettings,
} from '../src/index.ts';

const USER = { username: 'bob', password: 'bob has a long password' };
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let idp: TestServer;
let publicClient: string;
let confidential: { clientId: string; clientSecret: string | undefined };
before(async () => {
  idp = await startTestServer();
  await addUser(idp.store, USER.username, USER.password, { email: 'bob@example.com' });
  ({ clientId: publicClient } = await addClient(idp.store, {
    public: true,
    firstParty: true,
    redirectUris: [REDIRECT_URI],
  }));
  confidential = await addClient(idp.store, { firstParty: true, redirectUris: [REDIRECT_URI] });
});
after(() => idp?.close());

/** Popup and iframe navigators that run the flow in one test browser (one cookie jar: one session). */
function testNavigators(browser = new TestBrowser()): Navigators & { urls: URL[] } {
  const urls: URL[] = [];
  const navigator = (login: boolean): Navigator => ({
    prepare: () => ({
      async navigate(url) {
        urls.push(new URL(url));
        const { callbackUrl } = await signIn(browser, url, REDIRECT_URI, login ? USER : undefined);
        return callbackUrl.href;
      },
      close() {},
    }),
  });
  const redirect: Navigator = {
    prepare: () => ({
      navigate: async (url) => {
        urls.push(new URL(url));
        return new Promise<never>(() => {});
      },
      close() {},
    }),
  };
  return { redirect, popup: navigator(true), iframe: navigator(false), urls };
}

function manager(settings: Partial<UserManagerSettings> = {}, navigators = testNavigators()) {
  const userManager = new UserManager(
    {
      authority: idp.issuer,
      client_id: publicClient,
      redirect_uri: REDIRECT_URI,
      scope: 'openid email offline_access',
      automaticSilentRenew: false,
      ...settings,
    },
    navigators,
  );
  return { userManager, navigators };
}

const userinfo = (user: User) =>
  fetch(`${idp.issuer}/userinfo`, { headers: { authorization: `Bearer ${user.access_token}` } });

test('settings are checked', () => {
  assert.throws(
    () => new UserManager({ authority: '', client_id: 'c', redirect_uri: REDIRECT_URI }),
    TypeError,
  );
  assert.throws(
    () =>
      new UserManager({ authority: idp.issuer, client_id: 'c', redirect_uri: REDIRECT_URI, scope: 'email' }),
    /scope must include openid/,
  );
  const { userManager } = manager();
  assert.equal(userManager.settings.automaticSilentRenew, false);
  assert.equal(userManager.settings.silent_redirect_uri, REDIRECT_URI);
  assert.equal(userManager.settings.staleStateAgeInSeconds, 900);
});

test('popup sign-in without a window: PKCE, state, nonce; the user kept in memory', async () => {
  const { userManager, navigators } = manager();
  const loaded: string[] = [];
  userManager.events.addUserLoaded((user) => void loaded.push(user.access_token));
  const user = await userManager.signinPopup({ state: { page: '/orders' } });
  const request = navigators.urls[0]!.searchParams;
  assert.equal(request.get('code_challenge_method'), 'S256');
  assert.match(request.get('code_challenge') ?? '', /^[\w-]{43}$/);
  assert.match(request.get('state') ?? '', /^p\.[\w-]{43}$/);
  assert.match(request.get('nonce') ?? '', /^[\w-]{43}$/);
  assert.equal(user.profile.iss, idp.issuer);
  assert.equal(user.profile.nonce, request.get('nonce'));
  assert.deepEqual(user.state, { page: '/orders' });
  assert.deepEqual(user.scopes, ['openid', 'email', 'offline_access']);
  assert.deepEqual(loaded, [user.access_token]);
  assert.equal((await userManager.getUser())?.access_token, user.access_token);
  assert.equal((await userinfo(user)).status, 200);
});

test('signinSilent: the refresh token first; after invalid_grant, prompt=none on the session', async () => {
  const { userManager, navigators } = manager();
  const first = await userManager.signinPopup();
  const renewed = await userManager.signinSilent();
  assert.notEqual(renewed.refresh_token, first.refresh_token, 'rotated');
  assert.equal(navigators.urls.length, 1, 'no authorization request for a refresh');
  assert.equal(renewed.id_token !== undefined, true);
  // A refresh token the server refuses: the iframe (here, the same test browser) takes over.
  await userManager.storeUser({ ...renewed, refresh_token: 'not-a-refresh-token' } as User);
  const viaSession = await userManager.signinSilent();
  assert.equal(navigators.urls.at(-1)?.searchParams.get('prompt'), 'none');
  assert.match(navigators.urls.at(-1)?.searchParams.get('state') ?? '', /^s\./);
  assert.equal(viaSession.profile.sub, first.profile.sub);
  assert.equal((await userinfo(viaSession)).status, 200);
});

test('signinSilent without a session: login_required, as a named error', async () => {
  const { userManager } = manager();
  const err = await userManager.signinSilent().catch((e: unknown) => e);
  assert.ok(err instanceof UserManagerError);
  assert.equal(err.code, 'ERR_AUTHORIZATION_ERROR');
  assert.equal(err.error, 'login_required');
});

test('revokeTokens: the grant is revoked, the refresh token forgotten', async () => {
  const { userManager } = manager();
  const user = await userManager.signinPopup();
  await userManager.revokeTokens();
  const after = await userManager.getUser();
  assert.equal(after?.refresh_token, undefined);
  assert.equal((await userinfo(user)).status, 401);
});

test('removeUser: userUnloaded, and no user', async () => {
  const { userManager } = manager();
  await userManager.signinPopup();
  let unloaded = 0;
  const stop = userManager.events.addUserUnloaded(() => {
    unloaded++;
  });
  await userManager.removeUser();
  stop();
  assert.equal(unloaded, 1);
  assert.equal(await userManager.getUser(), null);
  await assert.rejects(userManager.revokeTokens(), { code: 'ERR_NO_USER' });
});

test('signinCallback: an unknown or replayed state is refused before any request', async () => {
  const { userManager } = manager();
  await assert.rejects(userManager.signinCallback(`${REDIRECT_URI}?code=c&state=r.unknown&iss=x`), {
    code: 'ERR_STATE_MISMATCH',
  });
  await assert.rejects(userManager.signinCallback(`${REDIRECT_URI}?code=c`), { code: 'ERR_STATE_MISMATCH' });
  await assert.rejects(userManager.signinCallback(`${REDIRECT_URI}?code=c&state=p.x`), {
    code: 'ERR_NOT_A_CALLBACK',
  });
});

test('a redirect sign-in finishes in signinCallback, once', async () => {
  const browser = new TestBrowser();
  const { userManager, navigators } = manager({}, testNavigators(browser));
  await userManager.signinRedirect({ state: 'back-to' });
  const { callbackUrl } = await signIn(browser, navigators.urls[0]!, REDIRECT_URI, USER);
  const user = await userManager.signinCallback(callbackUrl.href);
  assert.equal(user?.state, 'back-to');
  await assert.rejects(userManager.signinCallback(callbackUrl.href), { code: 'ERR_STATE_MISMATCH' });
});

test('confidential mode works, with a warning that a browser cannot keep a secret', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const { userManager } = manager({
    client_id: confidential.clientId,
    client_secret: confidential.clientSecret,
  });
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0]!.arguments[0]), /cannot keep a secret/);
  const user = await userManager.signinPopup();
  assert.equal((await userinfo(user)).status, 200);
  await userManager.signinSilent(); // the refresh authenticates the client too
  const wrong = manager({ client_id: confidential.clientId, client_secret: 'x'.repeat(43) }).userManager;
  await assert.rejects(wrong.signinPopup(), { code: 'ERR_SERVER_ERROR', error: 'invalid_client' });
});

test('loadUserInfo: UserInfo completes the profile, the ID token keeps its claims; again on renewal', async () => {
  const plain = await manager().userManager.signinPopup();
  assert.equal(plain.profile.email, undefined, "the server's ID tokens carry only protocol claims");
  const { userManager } = manager({ loadUserInfo: true });
  const user = await userManager.signinPopup();
  assert.equal(user.profile.email, 'bob@example.com');
  assert.equal(user.profile.iss, idp.issuer);
  assert.equal(user.profile.aud, publicClient);
  assert.equal((await userManager.getUser())?.profile.email, 'bob@example.com', 'stored with the claims');
  const renewed = await userManager.signinSilent();
  assert.notEqual(renewed.access_token, user.access_token);
  assert.equal(renewed.profile.email, 'bob@example.com');
  assert.equal(renewed.profile.sub, user.profile.sub);
});

test('loadUserInfo: a UserInfo answer for another sub fails the sign-in, and no user is stored', async (t) => {
  // A UserInfo endpoint that substitutes another end-user (OIDC Core §5.3.4) and one that fails.
  let answer = { status: 200, body: { sub: 'mallory', email: 'mallory@example.com' } as object };
  const fake = createServer((_request, response) => {
    response
      .writeHead(answer.status, { 'content-type': 'application/json' })
      .end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.after(() => fake.close());
  const discovered = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as object;
  const metadata = {
    ...discovered,
    userinfo_endpoint: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/userinfo`,
  } as UserManagerSettings['metadata'];
  const { userManager } = manager({ loadUserInfo: true, metadata });
  const loaded: User[] = [];
  userManager.events.addUserLoaded((user) => void loaded.push(user));
  await assert.rejects(userManager.signinPopup(), (err: unknown) => {
    assert.ok(err instanceof UserManagerError);
    assert.equal(err.code, 'ERR_SUBJECT_MISMATCH');
    assert.match(err.message, /userinfo endpoint sub: expected ".+", got "mallory"/);
    return true;
  });
  answer = { status: 401, body: { error: 'invalid_token' } };
  await assert.rejects(userManager.signinPopup(), { code: 'ERR_SERVER_ERROR', error: 'invalid_token' });
  assert.equal(await userManager.getUser(), null);
  assert.deepEqual(loaded, []);
});

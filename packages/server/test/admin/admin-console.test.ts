/**
 * The admin console over HTTP: its sign-in through our own code flow (the console as a relying
 * party of `@codegrant/client`), the administrator check, every page and change (clients, users,
 * sessions, grants, keys), CSRF, and the audit events each change writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuthorizationServer, createMailer, sha256 } from '@codegrant/server';
import { readForm, TestBrowser } from '../helpers/browser.ts';
import { codeExchange, obtainCode, tokenRequest } from '../helpers/codes.ts';
import { signIn } from '../helpers/sign-in.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { addClient, addUser, startTestServer, type TestServer } from '../helpers/test-server.ts';

const ada = { username: 'ada', password: 'ada has a long password' };
const bob = { username: 'bob', password: 'bob has a long password' };
const APP_REDIRECT = 'https://app.example.com/callback';

describe('admin console', () => {
  let server: TestServer;
  let adaId: string;
  let bobId: string;
  /** Ada's browser, signed in to the console by the second test. */
  const console = new TestBrowser();

  before(async () => {
    server = await startTestServer({ scopes: ['openid', 'profile', 'email', 'offline_access'] });
    adaId = await addUser(server.store, ada.username, ada.password);
    bobId = await addUser(server.store, bob.username, bob.password);
  });
  after(() => server.close());

  /** Signs `browser` in to the console as `user`, from `path`; the page it lands on. */
  async function consoleSignIn(browser: TestBrowser, user: typeof ada, path = '/admin') {
    const { callbackUrl } = await signIn(
      browser,
      `${server.issuer}${path}`,
      `${server.issuer}/admin/callback`,
      user,
    );
    const landed = await browser.fetch(callbackUrl);
    return landed;
  }

  /** A console page of ada's browser: status and HTML. */
  async function page(path: string): Promise<{ status: number; html: string }> {
    const response = await console.fetch(`${server.issuer}${path}`);
    return { status: response.status, html: await response.text() };
  }

  /** Posts the form of a console page whose action is `path` (hidden fields kept), with `fields`. */
  function submitFormTo(browser: TestBrowser, html: string, path: string, fields: Record<string, string>) {
    const at = html.indexOf(`action="${server.issuer}${path}"`);
    assert.ok(at > 0, `no form posting to ${path}`);
    const form = readForm(html.slice(html.lastIndexOf('<form', at)));
    return browser.postForm(form.action, { ...form.hidden, ...fields });
  }

  async function events(type: string) {
    await server.server.flushAuditLog();
    return server.store.listAuditEvents({ type, limit: 20, newestFirst: true });
  }

  it('is not there (404) until an administrator exists', async () => {
    const response = await fetch(`${server.issuer}/admin`, { redirect: 'manual' });
    assert.equal(response.status, 404);
    assert.equal((await fetch(`${server.issuer}/admin/clients`, { redirect: 'manual' })).status, 404);
    const user = (await server.store.findUserById(adaId))!;
    await server.store.updateUser({ ...user, admin: true });
    // The answer is remembered for 5 seconds: wait for it to be asked again.
    await new Promise((resolve) => setTimeout(resolve, 5100));
    const signInRedirect = await new TestBrowser().fetch(`${server.issuer}/admin`);
    assert.equal(signInRedirect.status, 303);
    const authorize = new URL(signInRedirect.headers.get('location')!);
    assert.equal(authorize.origin + authorize.pathname, `${server.issuer}/authorize`);
    assert.equal(authorize.searchParams.get('client_id'), 'codegrant-admin');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
    assert.equal(authorize.searchParams.get('redirect_uri'), `${server.issuer}/admin/callback`);
  });

  it('signs an administrator in through the authorization code flow, back to the page asked for', async () => {
    const landed = await consoleSignIn(console, ada, '/admin/clients');
    assert.equal(landed.status, 303);
    assert.equal(landed.headers.get('location'), `${server.issuer}/admin/clients`);
    const setCookie = landed.headers.getSetCookie().find((cookie) => cookie.startsWith('cg_admin='));
    assert.match(setCookie ?? '', /HttpOnly; SameSite=Strict/);
    const clients = await page('/admin/clients');
    assert.equal(clients.status, 200);
    assert.match(clients.html, /<h1>Clients<\/h1>/);
    assert.match(clients.html, /codegrant-admin/);

    const [signedIn] = await events('admin.sign_in');
    assert.equal(signedIn?.outcome, 'success');
    assert.equal(signedIn?.userId, adaId);
    const [token] = await events('token');
    assert.equal(token?.clientId, 'codegrant-admin', 'the console redeemed its code at our token endpoint');
  });

  it('refuses an account that is not an administrator, revoking the grant it just got', async () => {
    const browser = new TestBrowser();
    const refused = await consoleSignIn(browser, bob);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /Not an administrator/);
    assert.deepEqual(await server.store.listUserGrants(bobId, Math.floor(Date.now() / 1000)), []);
    assert.equal((await browser.fetch(`${server.issuer}/admin/users`)).status, 303, 'still not signed in');
    const [failure] = await events('admin.sign_in');
    assert.deepEqual([failure?.outcome, failure?.reason, failure?.userId], ['failure', 'not_admin', bobId]);
  });

  it('refuses a forged callback and a post without the CSRF token', async () => {
    const forged = await new TestBrowser().fetch(`${server.issuer}/admin/callback?code=x&state=y`);
    assert.equal(forged.status, 400);
    const noCsrf = await console.postForm(`${server.issuer}/admin/keys/rotate`, {});
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.headers.get('content-type') ?? '', /text\/html/);
    // A browser that never saw the console has no CSRF cookie: its post is refused before anything.
    const anonymous = await new TestBrowser().postForm(`${server.issuer}/admin/clients`, { csrf_token: 'x' });
    assert.equal(anonymous.status, 403);
  });

  it('creates a client (its secret shown once), which then works; edits, rotates the secret, deletes it', async () => {
    const form = await page('/admin/clients/new');
    const bad = await submitFormTo(console, form.html, '/admin/clients', {
      name: 'Billing',
      redirect_uris: 'http://billing.example.com/cb',
      type: 'confidential',
    });
    assert.equal(bad.status, 400);
    assert.match(
      await bad.text(),
      /role="alert">Redirect URI http:\/\/billing.example.com\/cb uses http on a host other than localhost/,
    );

    const created = await submitFormTo(console, form.html, '/admin/clients', {
      name: 'Billing',
      redirect_uris: `${APP_REDIRECT}\n`,
      type: 'confidential',
      first_party: 'yes',
    });
    assert.equal(created.status, 200);
    const html = await created.text();
    const clientId = /id="client-id">([^<]+)</.exec(html)?.[1];
    const secret = /id="client-secret">([^<]+)</.exec(html)?.[1];
    assert.ok(clientId && secret && secret.length >= 43);
    const stored = await server.store.findClient(clientId);
    assert.equal(stored?.clientSecretHash, sha256(secret), 'stored hashed');
    assert.deepEqual(stored?.redirectUris, [APP_REDIRECT]);
    assert.equal(stored?.firstParty, true);

    const obtained = await obtainCode(server.issuer, clientId, APP_REDIRECT, bob);
    assert.equal(
      (await tokenRequest(server.issuer, codeExchange(obtained), { clientId, clientSecret: secret })).status,
      200,
    );

    const detail = await page(`/admin/clients/${clientId}`);
    const saved = await submitFormTo(console, detail.html, `/admin/clients/${clientId}`, {
      name: 'Billing app',
      redirect_uris: `${APP_REDIRECT}\nhttps://app.example.com/other`,
    });
    assert.equal(saved.status, 303);
    assert.deepEqual((await server.store.findClient(clientId))?.redirectUris, [
      APP_REDIRECT,
      'https://app.example.com/other',
    ]);

    const rotated = await submitFormTo(console, detail.html, `/admin/clients/${clientId}/secret`, {});
    const newSecret = /id="client-secret">([^<]+)</.exec(await rotated.text())?.[1];
    assert.ok(newSecret && newSecret !== secret);
    // The cache of client lookups lasts a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await obtainCode(server.issuer, clientId, APP_REDIRECT, bob);
    assert.equal(
      (await tokenRequest(server.issuer, codeExchange(again), { clientId, clientSecret: secret })).status,
      401,
    );
    assert.equal(
      (await tokenRequest(server.issuer, codeExchange(again), { clientId, clientSecret: newSecret })).status,
      200,
    );

    const deleted = await submitFormTo(console, detail.html, `/admin/clients/${clientId}/delete`, {});
    assert.equal(deleted.headers.get('location'), `${server.issuer}/admin/clients?done=deleted`);
    assert.equal(await server.store.findClient(clientId), null);

    const recorded = (await events('admin.client')).map((event) => [
      event.type,
      event.actorId,
      event.clientId,
    ]);
    assert.deepEqual(recorded.slice(0, 4), [
      ['admin.client.deleted', adaId, clientId],
      ['admin.client.secret_rotated', adaId, clientId],
      ['admin.client.updated', adaId, clientId],
      ['admin.client.created', adaId, clientId],
    ]);
    const builtIn = await page('/admin/clients/codegrant-admin');
    assert.match(builtIn.html, /cannot be changed here/);
  });

  it('keeps a pairwise client in its sector: an edit moving its redirect URIs to another host is refused', async () => {
    const { clientId } = await addClient(server.store, {
      redirectUris: [APP_REDIRECT],
      subjectType: 'pairwise',
    });
    const detail = await page(`/admin/clients/${clientId}`);
    assert.match(detail.html, /pairwise, sector <code>app\.example\.com<\/code>/);
    const moved = await submitFormTo(console, detail.html, `/admin/clients/${clientId}`, {
      name: 'Shop',
      redirect_uris: 'https://elsewhere.example.com/cb',
    });
    assert.equal(moved.status, 400);
    assert.match(
      await moved.text(),
      /role="alert">Not saved: this would move the client from sector app\.example\.com/,
    );
    assert.deepEqual((await server.store.findClient(clientId))?.redirectUris, [APP_REDIRECT]);
    const kept = await submitFormTo(console, detail.html, `/admin/clients/${clientId}`, {
      name: 'Shop',
      redirect_uris: `${APP_REDIRECT}\nhttps://app.example.com/second`,
    });
    assert.equal(kept.status, 303);
    assert.equal((await server.store.findClient(clientId))?.sectorIdentifier, 'app.example.com');
  });

  it('manages a user: create, grants and sessions revoked, second factors reset, disable, enable, delete', async () => {
    const form = await page('/admin/users/new');
    const weak = await submitFormTo(console, form.html, '/admin/users', {
      username: 'cyd',
      password: 'short',
    });
    assert.equal(weak.status, 400);
    const created = await submitFormTo(console, form.html, '/admin/users', {
      username: 'cyd',
      email: 'cyd@example.com',
      password: 'cyd gets a long password',
      email_verified: 'yes',
    });
    assert.equal(created.status, 303);
    const cyd = (await server.store.findUserByUsername('cyd'))!;
    assert.equal(cyd.emailVerified, true);
    assert.equal(cyd.admin, false);

    // Cyd signs in to an app: a session and a grant.
    const app = await addClient(server.store, { redirectUris: [APP_REDIRECT], firstParty: true });
    const cydBrowser = new TestBrowser();
    const obtained = await obtainCode(
      server.issuer,
      app.clientId,
      APP_REDIRECT,
      {
        username: 'cyd',
        password: 'cyd gets a long password',
      },
      { browser: cydBrowser },
    );
    const tokens = (await (
      await tokenRequest(server.issuer, codeExchange(obtained), {
        clientId: app.clientId,
        clientSecret: app.clientSecret!,
      })
    ).json()) as { refresh_token: string };

    const detail = await page(`/admin/users/${cyd.id}`);
    assert.match(detail.html, /<h1>cyd<\/h1>/);
    assert.match(detail.html, new RegExp(app.clientId));
    const revoked = await submitFormTo(console, detail.html, `/admin/users/${cyd.id}/grants/revoke`, {});
    assert.equal(revoked.status, 303);
    const refresh = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { clientId: app.clientId, clientSecret: app.clientSecret! },
    );
    assert.equal(refresh.status, 400, 'the app lost its access');
    const ended = await submitFormTo(console, detail.html, `/admin/users/${cyd.id}/sessions/revoke`, {});
    assert.equal(ended.status, 303);
    assert.deepEqual(await server.store.listUserSessions(cyd.id, Math.floor(Date.now() / 1000)), []);

    await server.store.saveTotp({ userId: cyd.id, secret: 'x', confirmedAt: 1, lastStep: 0, createdAt: 1 });
    const withFactor = await page(`/admin/users/${cyd.id}`);
    assert.match(withFactor.html, /authenticator app/);
    await submitFormTo(console, withFactor.html, `/admin/users/${cyd.id}/reset-mfa`, {});
    assert.equal(await server.store.findTotp(cyd.id), null);

    await submitFormTo(console, detail.html, `/admin/users/${cyd.id}/disable`, {});
    assert.notEqual((await server.store.findUserById(cyd.id))?.disabledAt, null);
    await assert.rejects(
      obtainCode(server.issuer, app.clientId, APP_REDIRECT, {
        username: 'cyd',
        password: 'cyd gets a long password',
      }),
      'a disabled account cannot sign in',
    );
    const disabledPage = await page(`/admin/users/${cyd.id}`);
    await submitFormTo(console, disabledPage.html, `/admin/users/${cyd.id}/enable`, {});
    assert.equal((await server.store.findUserById(cyd.id))?.disabledAt, null);

    // Her own account: no disable or delete button, and a forged post changes nothing.
    const own = await page(`/admin/users/${adaId}`);
    assert.doesNotMatch(own.html, /\/disable"/);
    const forged = await console.postForm(`${server.issuer}/admin/users/${adaId}/delete`, {
      csrf_token: /name="csrf_token" value="([^"]+)"/.exec(own.html)![1]!,
    });
    assert.equal(forged.status, 303);
    assert.ok(await server.store.findUserById(adaId), 'an administrator cannot delete themselves');

    await submitFormTo(console, detail.html, `/admin/users/${cyd.id}/delete`, {});
    assert.equal(await server.store.findUserById(cyd.id), null);

    const recorded = (await events('admin.user')).map((event) => event.type);
    assert.deepEqual(recorded.slice(0, 5), [
      'admin.user.deleted',
      'admin.user.enabled',
      'admin.user.disabled',
      'admin.user.mfa_reset',
      'admin.user.created',
    ]);
    assert.equal((await events('admin.grant.revoked'))[0]?.clientId, app.clientId);
    assert.equal((await events('admin.session.revoked'))[0]?.userId, cyd.id);
  });

  it('rotates the signing keys: the new key signs at once, the old one stays published', async () => {
    const before = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    const keys = await page('/admin/keys');
    const rotated = await submitFormTo(console, keys.html, '/admin/keys/rotate', {});
    assert.equal(rotated.status, 303);
    const afterRotation = (await (await fetch(`${server.issuer}/jwks`)).json()) as {
      keys: { kid: string }[];
    };
    assert.equal(afterRotation.keys.length, before.keys.length * 2);
    const [event] = await events('admin.keys.rotated');
    assert.equal(event?.actorId, adaId);
  });

  it('shows the audit log, filtered and paged', async () => {
    const all = await page('/admin/audit');
    assert.match(all.html, /admin\.keys\.rotated/);
    const failures = await page('/admin/audit?outcome=failure');
    assert.match(failures.html, /not_admin/);
    assert.doesNotMatch(failures.html, /admin\.keys\.rotated/);
    const overview = await page('/admin');
    assert.match(overview.html, /<h1>Overview<\/h1>/);
  });

  it('ends the console session when the role is taken away, and on sign-out', async () => {
    const user = (await server.store.findUserById(adaId))!;
    await server.store.updateUser({ ...user, admin: false });
    assert.equal((await console.fetch(`${server.issuer}/admin/users`)).status, 303, 'at once');
    await server.store.updateUser({ ...user, admin: true });
    const overview = await page('/admin');
    assert.equal(overview.status, 200);
    const out = await submitFormTo(console, overview.html, '/admin/sign-out', {});
    assert.equal(out.status, 200);
    assert.match(await out.text(), /Signed out of the admin console/);
    assert.equal((await console.fetch(`${server.issuer}/admin`)).status, 303);
  });
});

describe('admin console settings', () => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  const browser = new TestBrowser();

  before(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ mailer: createMailer({ smtpUrl: smtp.url, from: 'id@example.com' }) });
    const adaId = await addUser(server.store, ada.username, ada.password);
    await server.store.updateUser({ ...(await server.store.findUserById(adaId))!, admin: true });
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  /** The login page of a new authorization request (of a new client). */
  async function loginPage(): Promise<string> {
    const app = await addClient(server.store, { redirectUris: [APP_REDIRECT] });
    const start = new TestBrowser();
    const redirect = await start.fetch(
      `${server.issuer}/authorize?${new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: APP_REDIRECT,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
    );
    return (await start.fetch(new URL(redirect.headers.get('location')!, server.issuer))).text();
  }

  async function metadata(): Promise<Record<string, unknown>> {
    return (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
  }

  it('opens and closes client registration and sign-up for every process, saved in the store', async () => {
    const { callbackUrl } = await signIn(
      browser,
      `${server.issuer}/admin/settings`,
      `${server.issuer}/admin/callback`,
      ada,
    );
    await browser.fetch(callbackUrl);
    const page = await (await browser.fetch(`${server.issuer}/admin/settings`)).text();
    assert.match(page, /<h1>Settings<\/h1>/);
    assert.match(
      page,
      /value="token"[^>]* disabled/,
      'no initial access token configured: token mode is not offered',
    );
    assert.equal((await metadata()).registration_endpoint, undefined);
    assert.doesNotMatch(await loginPage(), /Create an account/);
    assert.equal((await fetch(`${server.issuer}/account/sign-up`)).status, 404);

    const form = readForm(
      page.slice(page.indexOf(`<form method="post" action="${server.issuer}/admin/settings"`)),
    );
    const save = (fields: Record<string, string>) =>
      browser.postForm(`${server.issuer}/admin/settings`, { csrf_token: form.hidden.csrf_token!, ...fields });
    assert.equal((await save({ registration: 'open', sign_up: 'yes' })).status, 303);

    assert.equal((await metadata()).registration_endpoint, `${server.issuer}/register`);
    const registered = await fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [APP_REDIRECT] }),
    });
    assert.equal(registered.status, 201);
    assert.match(await loginPage(), /Create an account/);
    assert.equal((await fetch(`${server.issuer}/account/sign-up`)).status, 200);

    // Another process on the same database sees the settings at its start, and changes within a second.
    const other = await createAuthorizationServer({
      issuer: server.issuer,
      store: server.store,
      logger: () => {},
    });
    const otherRegister = () =>
      other.fetch(
        new Request(`${server.issuer}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [APP_REDIRECT] }),
        }),
      );
    assert.equal((await otherRegister()).status, 201);

    assert.equal((await save({ registration: 'off' })).status, 303);
    assert.equal((await metadata()).registration_endpoint, undefined);
    assert.equal(
      (await fetch(`${server.issuer}/register`, { method: 'POST', body: '{}' })).status,
      404,
      'closed at once in this process',
    );
    assert.equal((await fetch(`${server.issuer}/account/sign-up`)).status, 404);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await otherRegister(); // the first call after a second reads the store again…
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await otherRegister()).status, 404, '…and the other process is closed too');
    await other.close();

    // Equal to the server's options again: nothing is left overriding them.
    assert.deepEqual(await server.store.listSettings(), {});
    await server.server.flushAuditLog();
    const changes = await server.store.listAuditEvents({ type: 'admin.settings.updated', limit: 5 });
    assert.deepEqual(
      changes.map((event) => event.details),
      [
        { registration: 'open', sign_up: true },
        { registration: 'off', sign_up: false },
      ],
    );
  });
});

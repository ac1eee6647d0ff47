/**
 * OpenID Connect Back-Channel Logout 1.0, the server's side, over HTTP: relying parties that
 * registered a `backchannel_logout_uri` receive a signed logout token when a session they signed in
 * through ends — RP-initiated logout, the console ending a session, disabling or deleting the user,
 * another process revoking the user's access — retried when they fail, kept across a restart, and
 * never sent to clients without the URI. The relying parties are real HTTP servers: one written
 * here, checking each token with jose against our JWKS, and express-openid-connect (Auth0's
 * middleware), which validates the token by its own rules and ends its session.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { createAuthorizationServer } from '@codegrant/server';
import express from 'express';
// CommonJS: its named exports are not visible to ESM's static analysis.
import expressOpenidConnect from 'express-openid-connect';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { browse } from '../../cli/test/relying-parties/helpers/user-agent.ts';
import { readForm, TestBrowser } from './helpers/browser.ts';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, freePort, startTestServer, type TestServer } from './helpers/test-server.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const kate = { username: 'kate', password: 'kate has a long password' };
const ada = { username: 'ada', password: 'ada has a long password' };
const HOOK_REDIRECT = 'https://hook.example/callback';

/** What a relying party's back-channel logout endpoint received. */
interface Received {
  path: string;
  contentType: string | undefined;
  token: string;
}

/**
 * A relying party's back-channel logout endpoint: records every POST and answers with the next of
 * the scripted answers (200 when none is left).
 */
class LogoutReceiver {
  readonly received: Received[] = [];
  readonly answers: Array<{ status: number; body?: string }> = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer(async (request, response) => {
      const body = await readBody(request);
      this.received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        token: new URLSearchParams(body).get('logout_token') ?? '',
      });
      const answer = this.answers.shift() ?? { status: 200 };
      response.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(answer.body ?? '');
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Waits (up to 5 s) until `count` requests in all were received. */
  async waitFor(count: number): Promise<Received[]> {
    for (let waited = 0; this.received.length < count; waited += 20) {
      if (waited > 5000) assert.fail(`expected ${count} logout requests, got ${this.received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.received;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * A clock the tests move forward: retries fall due without waiting for them. (Only after the
 * console's sign-in: its relying party checks our ID tokens by the real clock.)
 */
let skew = 0;
const now = () => Math.floor(Date.now() / 1000) + skew;

describe('back-channel logout', () => {
  const receiver = new LogoutReceiver();
  let server: TestServer;
  let kateId: string;
  /** A client with a back-channel logout URI, one with a query in it, and one without. */
  const hook = { id: 'hook', secret: '' };
  const hookTwo = { id: 'hook-two', secret: '' };
  const plain = { id: 'plain', secret: '' };

  before(async () => {
    await receiver.start();
    server = await startTestServer({ now });
    kateId = await addUser(server.store, kate.username, kate.password);
    const adaId = await addUser(server.store, ada.username, ada.password);
    await server.store.updateUser({ ...(await server.store.findUserById(adaId))!, admin: true });
    for (const [client, uri] of [
      [hook, `${receiver.url}/logout`],
      [hookTwo, `${receiver.url}/logout?client=two`],
      [plain, null],
    ] as const) {
      client.secret = (await addClient(server.store, {
        clientId: client.id,
        redirectUris: [HOOK_REDIRECT],
        firstParty: true,
        backchannelLogoutUri: uri,
      }))!.clientSecret!;
    }
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });
  afterEach(() => {
    receiver.received.length = 0;
    receiver.answers.length = 0;
  });

  /** Signs kate in with `client` in `browser` (a session, or single sign-on in the one it has): the ID token. */
  async function signInWith(client: typeof hook, browser = new TestBrowser()) {
    const obtained = await obtainCode(server.issuer, client.id, HOOK_REDIRECT, kate, {
      browser,
      scope: 'openid offline_access',
    });
    const response = await tokenRequest(server.issuer, codeExchange(obtained), {
      clientId: client.id,
      clientSecret: client.secret,
    });
    assert.equal(response.status, 200);
    const tokens = (await response.json()) as { id_token: string; refresh_token: string };
    return { browser, idToken: tokens.id_token, claims: decodeJwt(tokens.id_token), tokens };
  }

  /** RP-initiated logout with the ID token as hint: the session ends at once. */
  async function endSession(browser: TestBrowser, idToken: string): Promise<void> {
    const response = await browser.fetch(
      `${server.issuer}/end-session?id_token_hint=${encodeURIComponent(idToken)}`,
    );
    assert.equal(response.status, 200, 'the signed-out page');
    assert.match(await response.text(), /signed out/i);
  }

  /** The logout token of a request, verified with jose against our JWKS as a relying party would. */
  async function verified(received: Received, audience: string) {
    const { payload, protectedHeader } = await jwtVerify(
      received.token,
      createRemoteJWKSet(new URL(`${server.issuer}/jwks`)),
      { issuer: server.issuer, audience, typ: 'logout+jwt', algorithms: ['ES256'] },
    );
    return { claims: payload, header: protectedHeader };
  }

  async function logoutEvents() {
    await server.server.flushAuditLog();
    const events = await server.store.listAuditEvents({ type: 'backchannel_logout', limit: 100 });
    return events.filter((event) => event.userId === kateId);
  }

  it('posts a logout token on RP-initiated logout, naming the session of the ID token, to its clients only', async () => {
    const before = (await logoutEvents()).length;
    const { browser, idToken, claims } = await signInWith(hook);
    const withoutUri = await signInWith(plain, browser);
    assert.equal(typeof claims.sid, 'string', 'a client with a back-channel logout URI is told the session');
    assert.equal(withoutUri.claims.sid, undefined, 'one without is not');

    await endSession(browser, idToken);
    const [request] = await receiver.waitFor(1);
    assert.equal(request!.path, '/logout');
    assert.equal(request!.contentType, 'application/x-www-form-urlencoded');
    const { claims: logout, header } = await verified(request!, hook.id);
    assert.equal(header.typ, 'logout+jwt');
    assert.equal(logout.sub, kateId);
    assert.equal(logout.sid, claims.sid);
    assert.deepEqual(logout.events, { [EVENT]: {} });
    assert.equal(logout.nonce, undefined);
    assert.equal(typeof logout.jti, 'string');
    assert.equal(logout.exp! - logout.iat!, 120, 'short-lived');

    // Signed by the same keys, a logout token cannot pass for an ID token (its typ says what it is).
    const asHint = await new TestBrowser().fetch(
      `${server.issuer}/end-session?id_token_hint=${encodeURIComponent(request!.token)}`,
    );
    assert.equal(asHint.status, 400);
    assert.match(await asHint.text(), /id_token_hint is not an ID token/);

    // Nothing more comes: not for `plain`, nor a second time for `hook`.
    await server.server.deliverBackchannelLogouts();
    assert.equal(receiver.received.length, 1);
    const events = (await logoutEvents()).slice(before);
    assert.deepEqual(
      events.map((event) => [event.clientId, event.outcome, event.details]),
      [['hook', 'success', { attempt: 1, status: 200 }]],
    );
  });

  it('gives each client its own sid, one per session, kept by refreshed ID tokens', async () => {
    const first = await signInWith(hook);
    const again = await signInWith(hook, first.browser);
    const two = await signInWith(hookTwo, first.browser);
    const elsewhere = await signInWith(hook);
    assert.equal(again.claims.sid, first.claims.sid, 'the same session: single sign-on');
    assert.notEqual(two.claims.sid, first.claims.sid, 'another client: another sid');
    assert.notEqual(elsewhere.claims.sid, first.claims.sid, 'another browser: another session');
    const refreshed = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: first.tokens.refresh_token },
      { clientId: hook.id, clientSecret: hook.secret },
    );
    const { id_token } = (await refreshed.json()) as { id_token: string };
    assert.equal(decodeJwt(id_token).sid, first.claims.sid);

    await endSession(first.browser, first.idToken);
    const received = await receiver.waitFor(2);
    const byPath = Object.fromEntries(received.map((request) => [request.path, request]));
    assert.equal((await verified(byPath['/logout']!, hook.id)).claims.sid, first.claims.sid);
    const toTwo = await verified(byPath['/logout?client=two']!, hookTwo.id);
    assert.equal(toTwo.claims.sid, two.claims.sid, 'the URI is used as registered, query and all');
    await endSession(elsewhere.browser, elsewhere.idToken);
    await receiver.waitFor(3);
  });

  it('console: sets a client’s URI; tells the clients when an administrator ends the session, disables or deletes the user', async () => {
    const console = new TestBrowser();
    const { callbackUrl } = await signIn(
      console,
      `${server.issuer}/admin`,
      `${server.issuer}/admin/callback`,
      ada,
    );
    await console.fetch(callbackUrl);
    const submit = async (path: string) => {
      const html = await (await console.fetch(`${server.issuer}/admin/users/${kateId}`)).text();
      const at = html.indexOf(`action="${server.issuer}${path}"`);
      assert.ok(at > 0, `no form posting to ${path}`);
      const form = readForm(html.slice(html.lastIndexOf('<form', at)));
      assert.equal((await console.postForm(form.action, form.hidden)).status, 303);
    };

    // The client form takes the URI, checked as registration checks it; empty removes it.
    const setUri = async (uri: string) => {
      const html = await (await console.fetch(`${server.issuer}/admin/clients/${plain.id}`)).text();
      const at = html.indexOf(`action="${server.issuer}/admin/clients/${plain.id}"`);
      const form = readForm(html.slice(html.lastIndexOf('<form', at)));
      const fields = { name: 'Plain', redirect_uris: HOOK_REDIRECT, backchannel_logout_uri: uri };
      return console.postForm(form.action, { ...form.hidden, ...fields });
    };
    const refusedUri = await setUri('http://rp.example/logout');
    assert.equal(refusedUri.status, 400);
    assert.match(await refusedUri.text(), /use https/);
    assert.equal((await setUri(`${receiver.url}/plain`)).status, 303);
    assert.equal((await server.store.findClient(plain.id))?.backchannelLogoutUri, `${receiver.url}/plain`);
    assert.equal((await setUri('')).status, 303);
    assert.equal((await server.store.findClient(plain.id))?.backchannelLogoutUri, null);

    const ended = await signInWith(hook);
    await submit(`/admin/users/${kateId}/sessions/revoke`);
    const [first] = await receiver.waitFor(1);
    assert.equal((await verified(first!, hook.id)).claims.sid, ended.claims.sid);

    // Two sessions, two clients in one of them: disabling ends all three.
    const one = await signInWith(hook);
    await signInWith(hookTwo, one.browser);
    const other = await signInWith(hook);
    await submit(`/admin/users/${kateId}/disable`);
    const received = (await receiver.waitFor(4)).slice(1);
    const sids = await Promise.all(
      received.map(
        async (request) =>
          (await verified(request, request.path === '/logout' ? hook.id : hookTwo.id)).claims.sid,
      ),
    );
    assert.ok(sids.includes(one.claims.sid) && sids.includes(other.claims.sid));
    await submit(`/admin/users/${kateId}/enable`);

    const last = await signInWith(hook);
    await submit(`/admin/users/${kateId}/delete`);
    const [deleted] = (await receiver.waitFor(5)).slice(4);
    const { claims } = await verified(deleted!, hook.id);
    assert.deepEqual(
      [claims.sub, claims.sid],
      [kateId, last.claims.sid],
      'a deleted user’s clients are told too',
    );
    kateId = await addUser(server.store, kate.username, kate.password);
  });

  it('delivers what another process ended (the CLI revoking access) at the next look', async () => {
    const { claims } = await signInWith(hook);
    // As `codegrant users disable` or a password reset elsewhere: the store alone, no kick here.
    await server.store.revokeUserAccess(kateId, now());
    await server.server.deliverBackchannelLogouts();
    const [request] = await receiver.waitFor(1);
    assert.equal((await verified(request!, hook.id)).claims.sid, claims.sid);
  });

  it('retries a relying party that fails (503, then 502, then 200), each time with a new token', async () => {
    const before = (await logoutEvents()).length;
    receiver.answers.push({ status: 503 }, { status: 502 });
    const { browser, idToken, claims } = await signInWith(hook);
    await endSession(browser, idToken);
    await receiver.waitFor(1);
    // The retry falls due 5 s later: move the clock rather than wait.
    await server.server.deliverBackchannelLogouts();
    assert.equal(receiver.received.length, 1, 'not due yet');
    skew += 5;
    await server.server.deliverBackchannelLogouts();
    assert.equal(receiver.received.length, 2);
    skew += 30;
    await server.server.deliverBackchannelLogouts();
    const received = await receiver.waitFor(3);
    const tokens = await Promise.all(received.map((request) => verified(request, hook.id)));
    assert.equal(new Set(tokens.map((token) => token.claims.jti)).size, 3, 'a new jti each time');
    assert.ok(tokens.every((token) => token.claims.sid === claims.sid));

    const events = (await logoutEvents()).slice(before);
    assert.deepEqual(
      events.map((event) => [event.outcome, event.reason, event.details.attempt, event.details.status]),
      [
        ['failure', 'http_503', 1, 503],
        ['failure', 'http_502', 2, 502],
        ['success', null, 3, 200],
      ],
    );
    assert.equal(typeof events[0]!.details.retry_at, 'number');
  });

  it('takes a refusal (400 with an error) as final: no retry', async () => {
    const before = (await logoutEvents()).length;
    receiver.answers.push({ status: 400, body: '{"error":"invalid_request","error_description":"no"}' });
    const { browser, idToken } = await signInWith(hook);
    await endSession(browser, idToken);
    await receiver.waitFor(1);
    skew += 24 * 3600;
    await server.server.deliverBackchannelLogouts();
    assert.equal(receiver.received.length, 1);
    const [event] = (await logoutEvents()).slice(before);
    assert.deepEqual(
      [event?.outcome, event?.reason, event?.details],
      ['failure', 'refused', { attempt: 1, status: 400, error: 'invalid_request', final: true }],
    );
  });

  it('keeps a logout owed across a restart: the next process delivers it', async () => {
    receiver.answers.push({ status: 503 });
    const { browser, idToken, claims } = await signInWith(hook);
    await endSession(browser, idToken);
    await receiver.waitFor(1);
    // The process stops; another starts on the same store.
    await server.server.close();
    const restarted = await createAuthorizationServer({
      issuer: server.issuer,
      store: server.store,
      now,
      logger: () => {},
    });
    try {
      skew += 5;
      await restarted.deliverBackchannelLogouts();
      const [, retried] = await receiver.waitFor(2);
      assert.equal((await verified(retried!, hook.id)).claims.sid, claims.sid);
    } finally {
      await restarted.close();
    }
  });
});

describe('back-channel logout registration and limits', () => {
  const receiver = new LogoutReceiver();
  before(() => receiver.start());
  after(() => receiver.close());
  afterEach(() => {
    receiver.received.length = 0;
  });

  async function register(server: TestServer, metadata: Record<string, unknown>) {
    const response = await fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [HOOK_REDIRECT], ...metadata }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('registers https and loopback http URIs (echoed back), and refuses what cannot be one', async () => {
    const server = await startTestServer({ registration: 'open' });
    try {
      const https = await register(server, {
        backchannel_logout_uri: 'https://rp.example/logout?tenant=1',
        backchannel_logout_session_required: true,
      });
      assert.equal(https.status, 201);
      assert.equal(https.body.backchannel_logout_uri, 'https://rp.example/logout?tenant=1');
      assert.equal(https.body.backchannel_logout_session_required, true);
      const loopback = await register(server, { backchannel_logout_uri: 'http://localhost:3000/logout' });
      assert.equal(loopback.status, 201);
      assert.equal(loopback.body.backchannel_logout_session_required, false);
      assert.equal((await register(server, {})).body.backchannel_logout_uri, undefined);

      for (const [metadata, problem] of [
        [{ backchannel_logout_uri: 'http://rp.example/logout' }, /use https/],
        [{ backchannel_logout_uri: 'https://rp.example/logout#x' }, /fragment/],
        [{ backchannel_logout_uri: 'https://user:pw@rp.example/logout' }, /credentials/],
        [{ backchannel_logout_uri: '/logout' }, /not an absolute URL/],
        [{ backchannel_logout_uri: 'javascript:alert(1)' }, /scheme/],
        [{ backchannel_logout_uri: ['https://rp.example/logout'] }, /must be a string/],
        [{ backchannel_logout_session_required: true }, /needs a backchannel_logout_uri/],
        [
          { backchannel_logout_uri: 'https://rp.example/logout', backchannel_logout_session_required: 'yes' },
          /must be a boolean/,
        ],
        [
          {
            backchannel_logout_uri: 'https://rp.example/logout',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
          },
          /authorization_code/,
        ],
      ] as const) {
        const refused = await register(server, metadata);
        assert.equal(refused.status, 400, JSON.stringify(metadata));
        assert.equal(refused.body.error, 'invalid_client_metadata');
        assert.match(String(refused.body.error_description), problem);
      }
    } finally {
      await server.close();
    }
  });

  it('never posts to a private address for a client that registered itself (SSRF), unless allowed', async () => {
    for (const allowPrivateNetworks of [false, true]) {
      skew = 0;
      const server = await startTestServer({
        registration: 'open',
        now,
        backchannelLogout: { allowPrivateNetworks },
      });
      try {
        const { body } = await register(server, {
          backchannel_logout_uri: `${receiver.url}/logout`,
          token_endpoint_auth_method: 'client_secret_basic',
        });
        await addUser(server.store, kate.username, kate.password);
        const browser = new TestBrowser();
        const obtained = await obtainCode(server.issuer, String(body.client_id), HOOK_REDIRECT, kate, {
          browser,
        });
        const tokens = await tokenRequest(server.issuer, codeExchange(obtained), {
          clientId: String(body.client_id),
          clientSecret: String(body.client_secret),
        });
        const { id_token } = (await tokens.json()) as { id_token: string };
        await browser.fetch(`${server.issuer}/end-session?id_token_hint=${encodeURIComponent(id_token)}`);
        await server.server.deliverBackchannelLogouts();
        if (allowPrivateNetworks) {
          await receiver.waitFor(1);
          continue;
        }
        assert.equal(receiver.received.length, 0, 'nothing reached 127.0.0.1');
        await server.server.flushAuditLog();
        const [event] = await server.store.listAuditEvents({ type: 'backchannel_logout', limit: 5 });
        assert.deepEqual(
          [event?.outcome, event?.reason, event?.details.final],
          ['failure', 'private_address', true],
        );
      } finally {
        await server.close();
      }
    }
  });

  it('off (backchannelLogout: false): no sid, no logout token, no registration of a URI', async () => {
    const server = await startTestServer({ registration: 'open', backchannelLogout: false });
    try {
      const refused = await register(server, { backchannel_logout_uri: 'https://rp.example/logout' });
      assert.equal(refused.status, 400);
      assert.match(String(refused.body.error_description), /back-channel logout is off/);
      const userId = await addUser(server.store, kate.username, kate.password);
      const { clientId, clientSecret } = await addClient(server.store, {
        redirectUris: [HOOK_REDIRECT],
        firstParty: true,
        backchannelLogoutUri: `${receiver.url}/logout`,
      });
      const obtained = await obtainCode(server.issuer, clientId, HOOK_REDIRECT, kate);
      const tokens = await tokenRequest(server.issuer, codeExchange(obtained), {
        clientId,
        clientSecret: clientSecret!,
      });
      const { id_token } = (await tokens.json()) as { id_token: string };
      assert.equal(decodeJwt(id_token).sid, undefined);
      await server.store.revokeUserAccess(userId, Math.floor(Date.now() / 1000));
      await server.server.deliverBackchannelLogouts();
      assert.equal(receiver.received.length, 0);
    } finally {
      await server.close();
    }
  });
});

describe('express-openid-connect receives our logout tokens', () => {
  let server: TestServer;
  let app: string;
  let closeApp: () => Promise<void>;
  /** What the app's back-channel logout store was told: express-openid-connect keeps `iss|sid` and `iss|sub`. */
  const loggedOut = new Map<string, unknown>();

  before(async () => {
    skew = 0;
    server = await startTestServer({ now });
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    await addUser(server.store, kate.username, kate.password, { email: 'kate@example.com' });
    const { clientId, clientSecret } = await addClient(server.store, {
      redirectUris: [`${app}/callback`],
      postLogoutRedirectUris: [`${app}/`],
      firstParty: true,
      // The middleware expects RS256 ID tokens unless told otherwise.
      idTokenSignedResponseAlg: 'RS256',
      backchannelLogoutUri: `${app}/backchannel-logout`,
      backchannelLogoutSessionRequired: true,
    });
    // A session store as express-session's: what the middleware keeps its logout records in.
    const store = {
      get: (key: string, callback: (error: null, value?: never) => void) =>
        callback(null, loggedOut.get(key) as never),
      set: (key: string, value: unknown, callback: (error: null) => void) => {
        loggedOut.set(key, value);
        callback(null);
      },
      destroy: (key: string, callback: (error: null) => void) => {
        loggedOut.delete(key);
        callback(null);
      },
    };
    const { auth } = expressOpenidConnect;
    const rp = express();
    rp.use(
      auth({
        issuerBaseURL: server.issuer,
        baseURL: app,
        clientID: clientId,
        clientSecret: clientSecret!,
        secret: 'an express-openid-connect cookie secret',
        authRequired: false,
        backchannelLogout: { store },
        authorizationParams: { response_type: 'code', scope: 'openid profile email' },
      }),
    );
    rp.get('/', (req, res) => {
      res.send(req.oidc.isAuthenticated() ? `signed in, sid ${req.oidc.idTokenClaims?.sid}` : 'signed out');
    });
    const http = createServer(rp);
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    closeApp = async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    };
  });
  after(async () => {
    await closeApp();
    await server.close();
  });

  it('ends the app’s session when the session at the identity provider ends', async () => {
    const browser = new TestBrowser();
    const visit = await browse(browser, `${app}/login`, kate);
    assert.equal(visit.url.href, `${app}/`, visit.visited.join('\n'));
    const page = await visit.response.text();
    const sid = /signed in, sid (\S+)/.exec(page)?.[1];
    assert.ok(sid && sid !== 'undefined', page);
    const idTokenSid = sid;

    // The user signs out at the identity provider (no hint: it asks first), not at the app.
    const ask = await browser.fetch(`${server.issuer}/end-session`);
    const form = readForm(await ask.text());
    assert.equal((await browser.postForm(form.action, form.hidden)).status, 200);

    // express-openid-connect verified the token (signature by our JWKS, iss, aud, events, no
    // nonce) and answered 204; its store now names the session, and the app sees it signed out.
    for (let waited = 0; !loggedOut.has(`${server.issuer}|${idTokenSid}`); waited += 20) {
      if (waited > 5000) assert.fail(`the app was not told: ${[...loggedOut.keys()]}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await (await browser.fetch(`${app}/`)).text(), 'signed out');
    await server.server.flushAuditLog();
    const [event] = await server.store.listAuditEvents({ type: 'backchannel_logout', limit: 5 });
    assert.deepEqual([event?.outcome, event?.details.status], ['success', 204]);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import { readForm, TestBrowser } from './helpers/browser.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const LOOPBACK_URI = 'http://127.0.0.1:8080/callback';
const carol = { username: 'carol', password: 'carol has a long password' };

describe('authorization endpoint', () => {
  let server: TestServer;
  let clientId: string;
  let challenge: string;

  before(async () => {
    server = await startTestServer();
    await addUser(server.store, carol.username, carol.password);
    ({ clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI, LOOPBACK_URI] }));
    challenge = await calculatePKCECodeChallenge(randomPKCECodeVerifier());
  });
  after(() => server.close());

  const authorizeUrl = (params: Record<string, string | undefined>) => {
    const all: Record<string, string | undefined> = {
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    };
    const url = new URL(`${server.issuer}/authorize`);
    for (const [name, value] of Object.entries(all))
      if (value !== undefined) url.searchParams.append(name, value);
    return url;
  };

  /** The error sent back to the redirect URI (asserting it was a redirect with iss and state). */
  async function redirectedError(url: URL | string, init?: RequestInit): Promise<URLSearchParams> {
    const response = await fetch(url, { redirect: 'manual', ...init });
    assert.equal(response.status, 303, `expected a redirect, got ${response.status}`);
    const location = new URL(response.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.searchParams.get('iss'), server.issuer, 'RFC 9207 iss on errors too');
    return location.searchParams;
  }

  /** An error page, never a redirect. */
  async function errorPage(url: URL | string): Promise<string> {
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    return response.text();
  }

  describe('errors shown on a page (no verified redirect URI)', () => {
    it('an unknown client', async () => {
      assert.match(await errorPage(authorizeUrl({ client_id: 'nobody' })), /unknown client_id/);
    });
    it('a missing client_id', async () => {
      assert.match(
        await errorPage(authorizeUrl({ client_id: undefined })),
        /client_id parameter is required/,
      );
    });
    it('an unregistered redirect URI', async () => {
      const page = await errorPage(authorizeUrl({ redirect_uri: 'https://evil.example/callback' }));
      assert.match(page, /is not registered/);
    });
    it('a registered redirect URI with another path, query or scheme', async () => {
      for (const uri of [`${REDIRECT_URI}/x`, `${REDIRECT_URI}?a=1`, REDIRECT_URI.replace('https', 'http')]) {
        await errorPage(authorizeUrl({ redirect_uri: uri }));
      }
    });
    it('a missing redirect URI', async () => {
      await errorPage(authorizeUrl({ redirect_uri: undefined }));
    });
    it('a duplicated client_id or redirect_uri', async () => {
      const url = authorizeUrl({});
      url.searchParams.append('redirect_uri', REDIRECT_URI);
      assert.match(await errorPage(url), /redirect_uri parameter is included more than once/);
    });
  });

  describe('the loopback redirect exception of RFC 8252 §7.3', () => {
    it('accepts any port on a registered loopback IP redirect URI', async () => {
      const response = await fetch(authorizeUrl({ redirect_uri: 'http://127.0.0.1:51234/callback' }), {
        redirect: 'manual',
      });
      assert.equal(response.status, 303);
      assert.match(response.headers.get('location')!, /\/interaction\//);
    });
    it('but not another path, nor localhost', async () => {
      await errorPage(authorizeUrl({ redirect_uri: 'http://127.0.0.1:51234/other' }));
      await errorPage(authorizeUrl({ redirect_uri: 'http://localhost:8080/callback' }));
    });
  });

  describe('errors sent to the redirect URI with state and iss', () => {
    it('an unsupported response_type', async () => {
      const params = await redirectedError(authorizeUrl({ response_type: 'token' }));
      assert.equal(params.get('error'), 'unsupported_response_type');
      assert.equal(params.get('state'), 's1');
    });
    it('a missing PKCE challenge', async () => {
      const params = await redirectedError(
        authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined }),
      );
      assert.equal(params.get('error'), 'invalid_request');
      assert.match(params.get('error_description')!, /PKCE is required/);
    });
    it('the plain PKCE method', async () => {
      const params = await redirectedError(authorizeUrl({ code_challenge_method: 'plain' }));
      assert.match(params.get('error_description')!, /must be S256/);
    });
    it('a PKCE challenge without method (which would mean plain)', async () => {
      const params = await redirectedError(authorizeUrl({ code_challenge_method: undefined }));
      assert.match(params.get('error_description')!, /must be S256/);
    });
    it('a malformed challenge', async () => {
      const params = await redirectedError(authorizeUrl({ code_challenge: 'short' }));
      assert.match(params.get('error_description')!, /43 base64url/);
    });
    it('a duplicated parameter, without echoing an ambiguous state', async () => {
      const url = authorizeUrl({});
      url.searchParams.append('state', 's2');
      const params = await redirectedError(url);
      assert.equal(params.get('error'), 'invalid_request');
      assert.equal(params.get('state'), null);
    });
    it('unknown or contradictory prompt values', async () => {
      assert.equal(
        (await redirectedError(authorizeUrl({ prompt: 'select_nothing' }))).get('error'),
        'invalid_request',
      );
      assert.equal(
        (await redirectedError(authorizeUrl({ prompt: 'none login' }))).get('error'),
        'invalid_request',
      );
    });
    it('a malformed max_age', async () => {
      assert.equal((await redirectedError(authorizeUrl({ max_age: '-1' }))).get('error'), 'invalid_request');
    });
    it('a broken request object, and a request_uri not issued by the PAR endpoint, on a page', async () => {
      // A request object is verified before anything it carries is trusted: its errors too go on a page.
      assert.match(await errorPage(authorizeUrl({ request: 'eyJ' })), /request object/);
      // Nothing was verified of a request_uri request yet: its error is not sent to a redirect URI.
      assert.match(
        await errorPage(authorizeUrl({ request_uri: 'https://x' })),
        /request_uri must be one this server issued/,
      );
    });
    it('an unsupported response_mode, reported in the default query mode', async () => {
      assert.equal(
        (await redirectedError(authorizeUrl({ response_mode: 'fragment' }))).get('error'),
        'invalid_request',
      );
    });
    it('the same errors for POST requests', async () => {
      const params = await redirectedError(`${server.issuer}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: authorizeUrl({ response_type: 'token' }).searchParams,
      });
      assert.equal(params.get('error'), 'unsupported_response_type');
    });
  });

  describe('PKCE policy per client', () => {
    it('lets an explicitly allowed confidential client omit PKCE for a nonce, never a public one', async () => {
      const confidential = await addClient(server.store, {
        redirectUris: [REDIRECT_URI],
        allowMissingPkce: true,
      });
      const withoutPkce = {
        client_id: confidential.clientId,
        code_challenge: undefined,
        code_challenge_method: undefined,
      };
      const response = await fetch(authorizeUrl({ ...withoutPkce, nonce: 'n-0S6_WzA2Mj' }), {
        redirect: 'manual',
      });
      assert.match(response.headers.get('location')!, /\/interaction\//);
      // Without PKCE the nonce is what stops code injection (RFC 9700 §2.1.1): it is required.
      for (const missing of [{}, { nonce: 'n-0S6_WzA2Mj', scope: 'profile' }]) {
        const refused = await redirectedError(authorizeUrl({ ...withoutPkce, ...missing }));
        assert.equal(refused.get('error'), 'invalid_request');
        assert.match(refused.get('error_description')!, /without PKCE, send scope openid with a nonce/);
      }
      const pub = await addClient(server.store, {
        redirectUris: [REDIRECT_URI],
        allowMissingPkce: true,
        public: true,
      });
      const params = await redirectedError(
        authorizeUrl({
          client_id: pub.clientId,
          code_challenge: undefined,
          code_challenge_method: undefined,
        }),
      );
      assert.match(params.get('error_description')!, /PKCE is required/);
    });
  });

  describe('login and consent pages', () => {
    async function loginPage(browser: TestBrowser, extra: Record<string, string> = {}) {
      const start = await browser.fetch(authorizeUrl(extra));
      const interactionUrl = new URL(start.headers.get('location')!);
      const page = await browser.fetch(interactionUrl);
      return { start, interactionUrl, page, html: await page.text() };
    }

    it('serves an accessible login form that cannot be framed, cached or leak referrers', async () => {
      const { page, html, start } = await loginPage(new TestBrowser());
      assert.equal(page.status, 200);
      assert.match(html, /<label for="username">/);
      assert.match(html, /<input id="password" name="password" type="password"/);
      assert.match(html, /<html lang="en">/);
      assert.match(page.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const cookie = start.headers.getSetCookie()[0]!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
    });

    it('prefills login_hint', async () => {
      const { html } = await loginPage(new TestBrowser(), { login_hint: 'carol' });
      assert.match(html, /name="username"[^>]*value="carol"/);
    });

    it('refuses a login post without or with a wrong CSRF token (403)', async () => {
      const browser = new TestBrowser();
      const { html } = await loginPage(browser);
      const form = readForm(html);
      const missing = await browser.postForm(form.action, {
        username: carol.username,
        password: carol.password,
      });
      assert.equal(missing.status, 403);
      const wrong = await browser.postForm(form.action, { ...carol, csrf_token: 'forged' });
      assert.equal(wrong.status, 403);
    });

    it('refuses an interaction opened in another browser', async () => {
      const { interactionUrl } = await loginPage(new TestBrowser());
      const response = await new TestBrowser().fetch(interactionUrl);
      assert.equal(response.status, 400);
      assert.match(await response.text(), /another browser/);
    });

    it('answers a wrong password with 401 and no session, a right one with 303 and a session', async () => {
      const browser = new TestBrowser();
      const { html } = await loginPage(browser);
      const form = readForm(html);
      const wrong = await browser.postForm(form.action, {
        ...form.hidden,
        username: 'carol',
        password: 'nope',
      });
      assert.equal(wrong.status, 401);
      assert.match(await wrong.text(), /Wrong username or password/);
      const unknown = await browser.postForm(form.action, {
        ...form.hidden,
        username: 'nobody',
        password: 'nope',
      });
      assert.equal(unknown.status, 401, 'an unknown user gets the same answer');
      const right = await browser.postForm(form.action, { ...form.hidden, ...carol });
      assert.equal(right.status, 303);
      const next = await browser.fetch(right.headers.get('location')!);
      assert.ok(
        next.headers.getSetCookie().some((c) => c.startsWith('cg_session=')),
        'the session starts on the page after the login',
      );
    });

    it('denying consent sends access_denied to the client', async () => {
      const { callbackUrl, pagesShown } = await signIn(new TestBrowser(), authorizeUrl({}), REDIRECT_URI, {
        ...carol,
        consent: 'deny',
      });
      assert.deepEqual(pagesShown, ['login', 'consent']);
      assert.equal(callbackUrl.searchParams.get('error'), 'access_denied');
      assert.equal(callbackUrl.searchParams.get('state'), 's1');
      assert.equal(callbackUrl.searchParams.get('iss'), server.issuer);
    });

    it('shows the consent page with the scopes and where the user will be sent', async () => {
      const browser = new TestBrowser();
      const { html } = await loginPage(browser, { scope: 'openid email' });
      const form = readForm(html);
      const afterLogin = await browser.postForm(form.action, { ...form.hidden, ...carol });
      const consent = await (await browser.fetch(afterLogin.headers.get('location')!)).text();
      assert.match(consent, /Read your email address/);
      assert.match(consent, /app\.example\.com/);
      assert.match(consent, /<button type="submit" name="decision" value="approve">Allow<\/button>/);
    });
  });
});

describe('login throttling', () => {
  let server: TestServer;
  let clientId: string;

  before(async () => {
    server = await startTestServer({ loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 6 } });
    await addUser(server.store, carol.username, carol.password);
    await addUser(server.store, 'dave', 'dave has a long password');
    ({ clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI] }));
  });
  after(() => server.close());

  async function loginForm(browser: TestBrowser) {
    const url = new URL(`${server.issuer}/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      code_challenge: await calculatePKCECodeChallenge(randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const start = await browser.fetch(url);
    return readForm(await (await browser.fetch(start.headers.get('location')!)).text());
  }

  it('locks an account after repeated failures, even for the right password, with a clear message', async () => {
    const browser = new TestBrowser();
    const form = await loginForm(browser);
    for (let i = 0; i < 3; i++) {
      const response = await browser.postForm(form.action, {
        ...form.hidden,
        username: 'carol',
        password: `bad${i}`,
      });
      assert.equal(response.status, 401);
    }
    const locked = await browser.postForm(form.action, { ...form.hidden, ...carol });
    assert.equal(locked.status, 429);
    assert.match(await locked.text(), /Too many failed sign-in attempts\. Try again in 15 minutes\./);
  });

  it('limits failures per client address across accounts', async () => {
    const browser = new TestBrowser();
    const form = await loginForm(browser);
    // Three failures were counted against this address by the previous test.
    for (let i = 0; i < 3; i++) {
      await browser.postForm(form.action, { ...form.hidden, username: `user${i}`, password: 'bad' });
    }
    const blocked = await browser.postForm(form.action, {
      ...form.hidden,
      username: 'dave',
      password: 'dave has a long password',
    });
    assert.equal(blocked.status, 429);
  });
});

describe('bring your own login UI', () => {
  let server: TestServer;
  let clientId: string;
  let userId: string;

  before(async () => {
    server = await startTestServer({
      loginUrl: (id) => `https://login.example.com/custom?interaction=${id}`,
    });
    userId = await addUser(server.store, carol.username, carol.password);
    ({ clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  after(() => server.close());

  it('sends the browser to the app page, which resumes the interaction with an account id', async () => {
    const browser = new TestBrowser();
    const url = new URL(`${server.issuer}/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      login_hint: 'carol',
      code_challenge: await calculatePKCECodeChallenge(randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const start = await browser.fetch(url);
    const interactionPage = await browser.fetch(start.headers.get('location')!);
    assert.equal(interactionPage.status, 303);
    const custom = new URL(interactionPage.headers.get('location')!);
    assert.equal(custom.origin, 'https://login.example.com');
    const interactionId = custom.searchParams.get('interaction')!;

    // The app's page runs on the identity provider's origin and sees the browser's cookies.
    const host = new URL(server.issuer).host;
    assert.ok(browser.cookieNames(host).includes('cg_browser'));
    const appRequest = new Request(`${server.issuer}/app-login`, {
      headers: { cookie: browser.cookieHeader(host) },
    });
    const details = await server.server.interactionDetails(appRequest, interactionId);
    assert.equal(details.clientId, clientId);
    assert.equal(details.loginHint, 'carol');
    assert.deepEqual(details.scopes, ['openid']);

    // Another browser cannot complete it.
    await assert.rejects(
      server.server.completeLogin(new Request(server.issuer), interactionId, userId),
      /another browser/,
    );
    const resumeUrl = await server.server.completeLogin(appRequest, interactionId, userId);
    const { callbackUrl } = await signIn(browser, resumeUrl, REDIRECT_URI, undefined);
    assert.ok(callbackUrl.searchParams.get('code'));
  });

  it('does not expose the built-in password form', async () => {
    const response = await fetch(`${server.issuer}/interaction/x/login`, { method: 'POST' });
    assert.equal(response.status, 404);
  });
});

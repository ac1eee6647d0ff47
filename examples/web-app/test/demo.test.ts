/**
 * The dev setup end to end, over real HTTP: the identity provider and the demo web app started
 * in-process on a temporary database, driven by a minimal "browser" (fetch, manual redirects, one
 * cookie jar per origin) through sign-in, consent, callback, refresh and sign-out.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDevSetup } from '../src/dev-setup.ts';

/** A port free right now (someone could take it before we listen, which tests can live with). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The cookies of one origin: name and value, dropped when the server expires them. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }
}

/** A browser that keeps one cookie jar per origin and follows redirects only when told to. */
class Browser {
  readonly #jars = new Map<string, CookieJar>();

  jar(url: string): CookieJar {
    const { origin } = new URL(url);
    let jar = this.#jars.get(origin);
    if (!jar) {
      jar = new CookieJar();
      this.#jars.set(origin, jar);
    }
    return jar;
  }

  /** GET, or POST a form (with the Origin header a browser sends: the posting page's, here the target's). */
  async request(url: string, post?: { form?: Record<string, string>; origin?: string }): Promise<Response> {
    const jar = this.jar(url);
    const headers = new Headers();
    if (jar.header) headers.set('cookie', jar.header);
    let body: string | undefined;
    if (post) {
      headers.set('origin', post.origin ?? new URL(url).origin);
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(post.form).toString();
    }
    const response = await fetch(url, { method: post ? 'POST' : 'GET', headers, body, redirect: 'manual' });
    jar.store(response);
    return response;
  }

  /** Follows redirects (with GET) until a response that is not one. */
  async follow(response: Response, from: string): Promise<{ response: Response; url: string }> {
    let url = from;
    let current = response;
    while (current.status >= 300 && current.status < 400) {
      await current.body?.cancel();
      url = new URL(location(current), url).href;
      current = await this.request(url);
    }
    return { response: current, url };
  }
}

function location(response: Response): string {
  const value = response.headers.get('location');
  assert.ok(value, `a redirect with a Location header (status ${response.status})`);
  return value;
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The action and CSRF token of the identity provider's form on a page. */
function readForm(page: string): { action: string; csrfToken: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(action && csrfToken, 'a form with an action and a csrf_token');
  return { action: decodeEntities(action), csrfToken: decodeEntities(csrfToken) };
}

/** The step sections of the demo app's page, by kind, in order, text decoded. */
function stepSections(page: string): { kind: string; text: string }[] {
  return page
    .split('<section class="card" data-step="')
    .slice(1)
    .map((part) => ({ kind: part.slice(0, part.indexOf('"')), text: decodeEntities(part) }));
}

function accessTokenIn(text: string): string {
  const token = /"access_token": "([^"]+)"/.exec(text)?.[1];
  assert.ok(token, 'an access_token in the token response');
  return token;
}

describe('npm start: the dev setup and the demo web app', () => {
  let dir: string;
  let dbPath: string;
  let idpPort: number;
  let appPort: number;
  const logLines: string[] = [];
  const writeLog = (line: string) => logLines.push(line);
  // Shared by the tests: the second one finds the identity provider's session from the first.
  const browser = new Browser();
  let firstSecret: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'codegrant-demo-'));
    dbPath = path.join(dir, 'codegrant.db');
    idpPort = await freePort();
    appPort = await freePort();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('signs the demo user in (login, consent), verifies the tokens, calls UserInfo, refreshes and signs out', async () => {
    const setup = await startDevSetup({ dbPath, idpPort, appPort, writeLog });
    try {
      assert.deepEqual(setup.seeding, { userCreated: true, demoPasswordWorks: true, client: 'created' });
      assert.equal(setup.issuer, `http://localhost:${idpPort}`);
      assert.equal(setup.appUrl, `http://localhost:${appPort}`);
      firstSecret = setup.clientSecret;
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'codegrant-demo.json'), 'utf8')), {
        client_id: 'demo-web-app',
        client_secret: firstSecret,
      });
      const app = setup.appUrl;

      const home = await browser.request(`${app}/`);
      assert.equal(home.status, 200);
      assert.match(home.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const homePage = await home.text();
      assert.match(homePage, /<form method="post" action="\/login"><button type="submit">Sign in<\/button>/);
      assert.match(homePage, /password <code>demo-password<\/code>/);

      // "Sign in": a redirect to the authorization endpoint with PKCE S256, state and nonce.
      const signIn = await browser.request(`${app}/login`, {});
      assert.equal(signIn.status, 303);
      assert.ok(browser.jar(app).has('demo_app_session'));
      const authorizeUrl = new URL(location(signIn));
      assert.equal(`${authorizeUrl.origin}${authorizeUrl.pathname}`, `${setup.issuer}/authorize`);
      const request = Object.fromEntries(authorizeUrl.searchParams);
      assert.equal(request.response_type, 'code');
      assert.equal(request.client_id, 'demo-web-app');
      assert.equal(request.redirect_uri, `${app}/callback`);
      assert.equal(request.scope, 'openid profile email offline_access');
      assert.equal(request.code_challenge_method, 'S256');
      assert.match(request.code_challenge ?? '', /^[\w-]{43}$/);
      assert.ok(request.state && request.nonce);

      // The identity provider's login page.
      let { response: page } = await browser.follow(signIn, `${app}/login`);
      assert.equal(page.status, 200);
      const loginPage = await page.text();
      assert.match(loginPage, /type="password"/);
      const login = readForm(loginPage);
      const loggedIn = await browser.request(login.action, {
        form: { csrf_token: login.csrfToken, username: 'demo', password: 'demo-password' },
      });
      assert.equal(loggedIn.status, 303, 'the right password is accepted');

      // Consent: the demo client is third-party.
      ({ response: page } = await browser.follow(loggedIn, login.action));
      assert.equal(page.status, 200);
      const consentPage = await page.text();
      assert.match(consentPage, /name="decision" value="approve"/);
      const consent = readForm(consentPage);
      const approved = await browser.request(consent.action, {
        form: { csrf_token: consent.csrfToken, decision: 'approve' },
      });
      assert.equal(approved.status, 303);

      // Back at the app with a code, the state and the issuer (RFC 9207).
      const callbackUrl = new URL(location(approved));
      assert.equal(`${callbackUrl.origin}${callbackUrl.pathname}`, `${app}/callback`);
      assert.equal(callbackUrl.searchParams.get('state'), request.state);
      assert.equal(callbackUrl.searchParams.get('iss'), setup.issuer);
      assert.ok(callbackUrl.searchParams.get('code'));
      const callback = await browser.request(callbackUrl.href);
      const callbackBody = await callback.text();
      assert.equal(callback.status, 303, callbackBody);
      assert.equal(location(callback), '/');

      // The signed-in page: who, and every step.
      const signedIn = await (await browser.request(`${app}/`)).text();
      assert.match(signedIn, /Signed in as demo/);
      assert.ok(!signedIn.includes(firstSecret), 'the client secret is never shown');
      const steps = stepSections(signedIn);
      assert.deepEqual(
        steps.map((step) => step.kind),
        ['authorization', 'callback', 'token', 'userinfo'],
      );
      const [, callbackStep, tokenStep, userinfoStep] = steps.map((step) => step.text);
      assert.ok(!steps.some((step) => step.text.includes('class="error"')), 'no step failed');
      assert.match(callbackStep ?? '', /iss equals the issuer/);
      assert.match(callbackStep ?? '', /state matches/);
      assert.match(tokenStep ?? '', /authorization: Basic \*\*\*\*/);
      assert.match(tokenStep ?? '', /\n\ngrant_type=authorization_code&code=/);
      assert.match(tokenStep ?? '', /<th>code_verifier<\/th><td>[\w-]{43}<\/td>/);
      assert.match(tokenStep ?? '', /HTTP\/1\.1 200 OK/);
      assert.match(tokenStep ?? '', /"refresh_token": "/);
      assert.match(tokenStep ?? '', /id_token, decoded/);
      assert.match(tokenStep ?? '', /access_token, decoded/);
      assert.match(tokenStep ?? '', /"typ": "at\+jwt"/);
      assert.match(tokenStep ?? '', /signature verified: ES256/);
      assert.match(tokenStep ?? '', /nonce matches/);
      assert.match(tokenStep ?? '', /at_hash matches/);
      const sub = /"sub": "([^"]+)"/.exec(tokenStep ?? '')?.[1];
      assert.ok(sub, 'the ID token has a sub');
      assert.match(userinfoStep ?? '', /"preferred_username": "demo"/);
      assert.match(userinfoStep ?? '', new RegExp(`sub equals the ID token's \\(${sub}\\)`));
      assert.match(
        decodeEntities(signedIn),
        new RegExp(`<h3>ID token claims \\(verified\\)</h3><pre>\\{[^<]*"sub": "${sub}"`),
      );
      assert.match(decodeEntities(signedIn), /<h3>UserInfo<\/h3><pre>\{[^<]*"preferred_username": "demo"/);
      const firstAccessToken = accessTokenIn(tokenStep ?? '');

      // Another site cannot make the app spend its refresh token.
      const forged = await browser.request(`${app}/refresh`, { origin: 'https://evil.example' });
      assert.equal(forged.status, 403);
      await forged.body?.cancel();

      // "Refresh tokens": a new access token, and a new ID token about the same sign-in.
      const refreshed = await browser.request(`${app}/refresh`, {});
      assert.equal(refreshed.status, 303);
      await refreshed.body?.cancel();
      const afterRefresh = stepSections(await (await browser.request(`${app}/`)).text());
      assert.deepEqual(
        afterRefresh.map((step) => step.kind),
        ['authorization', 'callback', 'token', 'userinfo', 'refresh'],
      );
      const refreshStep = afterRefresh[4]?.text ?? '';
      assert.ok(!refreshStep.includes('class="error"'), refreshStep);
      assert.match(refreshStep, /<th>grant_type<\/th><td>refresh_token<\/td>/);
      assert.match(refreshStep, /sub and auth_time are those of the first ID token/);
      assert.match(refreshStep, /a new refresh token replaces the old one/);
      assert.notEqual(accessTokenIn(refreshStep), firstAccessToken);

      // "Call the API": the app calls its own API with the session's access token, and shows the exchange.
      assert.match(
        await (await browser.request(`${app}/`)).text(),
        /<form method="post" action="\/call-api"><button type="submit">Call the API<\/button>/,
      );
      const called = await browser.request(`${app}/call-api`, {});
      assert.equal(called.status, 303);
      await called.body?.cancel();
      const afterCall = stepSections(await (await browser.request(`${app}/`)).text());
      assert.deepEqual(
        afterCall.map((step) => step.kind),
        ['authorization', 'callback', 'token', 'userinfo', 'refresh', 'api'],
      );
      const apiStep = afterCall[5]?.text ?? '';
      assert.ok(!apiStep.includes('class="error"'), apiStep);
      assert.match(apiStep, /GET \/api\/me HTTP\/1\.1/);
      assert.match(apiStep, /authorization: Bearer [\w-]{16}… \(the access token\)/);
      assert.match(apiStep, /HTTP\/1\.1 200 OK/);
      assert.match(apiStep, new RegExp(`"sub": "${sub}"`));
      assert.match(apiStep, /"scopes": \[\s*"openid"/);

      // The API itself: the session's access token is accepted; none, or a tampered one, is challenged.
      const accessToken = accessTokenIn(refreshStep);
      const callApi = (headers: Record<string, string> = {}) => fetch(`${app}/api/me`, { headers });
      const accepted = await callApi({ authorization: `Bearer ${accessToken}` });
      assert.equal(accepted.status, 200);
      const answer = (await accepted.json()) as { sub: string; client_id: string; scopes: string[] };
      assert.equal(answer.sub, sub);
      assert.equal(answer.client_id, 'demo-web-app');
      assert.deepEqual([...answer.scopes].sort(), ['email', 'offline_access', 'openid', 'profile']);
      const anonymous = await callApi();
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer, DPoP algs="/);
      await anonymous.body?.cancel();
      const [header, payload, signature] = accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString(
        'base64url',
      );
      const tampered = await callApi({ authorization: `Bearer ${header}.${forgedPayload}.${signature}` });
      assert.equal(tampered.status, 401);
      assert.match(
        tampered.headers.get('www-authenticate') ?? '',
        /^Bearer error="invalid_token", error_description="access token: signature verification failed"$/,
      );
      assert.equal(((await tampered.json()) as { error: string }).error, 'invalid_token');

      // "Sign out" clears the app's session.
      const signedOut = await browser.request(`${app}/logout`, {});
      assert.equal(signedOut.status, 303);
      assert.ok(!browser.jar(app).has('demo_app_session'));
      assert.match(await (await browser.request(`${app}/`)).text(), /action="\/login"/);

      // The request log: one JSON line per request of the identity provider.
      const records = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.ok(records.every((record) => record.msg === 'request' && typeof record.status === 'number'));
      assert.ok(records.some((record) => record.path === '/token' && record.status === 200));
    } finally {
      await setup.close();
    }
  });

  it('refuses a callback whose iss or state is not the expected one, and one without a sign-in', async () => {
    const setup = await startDevSetup({ dbPath, idpPort, appPort, writeLog });
    try {
      const app = setup.appUrl;
      const callbackFor = async (params: Record<string, string>) => {
        const signIn = await browser.request(`${app}/login`, {});
        const { state = '' } = Object.fromEntries(new URL(location(signIn)).searchParams);
        const response = await browser.request(
          `${app}/callback?${new URLSearchParams({ code: 'a-code', state, iss: setup.issuer, ...params })}`,
        );
        return { status: response.status, page: decodeEntities(await response.text()) };
      };

      const wrongIssuer = await callbackFor({ iss: 'https://attacker.example' });
      assert.equal(wrongIssuer.status, 400);
      assert.match(wrongIssuer.page, /iss is https:\/\/attacker\.example, expected http:\/\/localhost:\d+/);

      const wrongState = await callbackFor({ state: 'not-the-state' });
      assert.equal(wrongState.status, 400);
      assert.match(wrongState.page, /state does not match/);

      const denied = await callbackFor({
        error: 'access_denied',
        error_description: 'the end-user denied the request',
      });
      assert.equal(denied.status, 400);
      assert.match(denied.page, /error=access_denied: the end-user denied the request/);

      // The sign-in was used up by the refused callback: the same response again finds nothing.
      const again = await browser.request(`${app}/callback?code=a-code&state=x&iss=${setup.issuer}`);
      assert.equal(again.status, 400);
      assert.match(decodeEntities(await again.text()), /No sign-in is in progress/);
    } finally {
      await setup.close();
    }
  });

  it('after a restart on the same database, the demo client still works (no second seeding, same secret)', async () => {
    const setup = await startDevSetup({ dbPath, idpPort, appPort, writeLog });
    try {
      assert.deepEqual(setup.seeding, { userCreated: false, demoPasswordWorks: true, client: 'reused' });
      assert.equal(setup.clientSecret, firstSecret);
      const app = setup.appUrl;

      // The identity provider remembers this browser (session) and its consent: no page this time.
      const signIn = await browser.request(`${app}/login`, {});
      const authorize = await browser.request(location(signIn));
      assert.equal(authorize.status, 303);
      const callbackUrl = location(authorize);
      assert.ok(callbackUrl.startsWith(`${app}/callback?`), callbackUrl);
      const callback = await browser.request(callbackUrl);
      assert.equal(callback.status, 303, await callback.text());

      const signedIn = await (await browser.request(`${app}/`)).text();
      assert.match(signedIn, /Signed in as demo/);
      const tokenStep = stepSections(signedIn).find((step) => step.kind === 'token')?.text ?? '';
      assert.match(tokenStep, /HTTP\/1\.1 200 OK/);
    } finally {
      await setup.close();
    }
  });

  it('re-registers the demo client with the same secret when the app moves to another port', async () => {
    const otherPort = await freePort();
    const setup = await startDevSetup({ dbPath, idpPort, appPort: otherPort, writeLog });
    try {
      assert.equal(setup.seeding.client, 'replaced');
      assert.equal(setup.clientSecret, firstSecret);
      const signIn = await browser.request(`${setup.appUrl}/login`, {});
      const authorizeUrl = new URL(location(signIn));
      assert.equal(authorizeUrl.searchParams.get('redirect_uri'), `http://localhost:${otherPort}/callback`);
      // The new redirect URI is registered: the identity provider asks for consent again (re-registration dropped it).
      const { response, url } = await browser.follow(signIn, `${setup.appUrl}/login`);
      assert.equal(response.status, 200);
      assert.match(url, /\/interaction\//);
      assert.match(await response.text(), /name="decision" value="approve"/);
    } finally {
      await setup.close();
    }
  });
});

/**
 * Auth.js (`@auth/core`, oauth4webapi inside) signs in against `codegrant serve` with its generic
 * OpenID Connect provider: discovery, PKCE, the RFC 9207 `iss` check, the code exchange with
 * `client_secret_basic`, ID token validation, its JWT session, the profile from UserInfo, sign-out;
 * a denied consent returns to its sign-in page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Auth, type AuthConfig } from '@auth/core';
import type { Account, Profile } from '@auth/core/types';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { TestBrowser } from '../../../server/test/helpers/browser.ts';
import type { EndUser } from '../../../server/test/helpers/sign-in.ts';
import { freePort, removeTempDir } from '../helpers/cli.ts';
import { serveApp } from './helpers/app-server.ts';
import { type IdentityProvider, startIdentityProvider } from './helpers/identity-provider.ts';
import { browse } from './helpers/user-agent.ts';

describe('Auth.js against codegrant serve', () => {
  let idp: IdentityProvider;
  let app: string;
  let closeApp: () => Promise<void>;
  const signIns: Array<{ account: Account; profile: Profile | undefined }> = [];
  const errors: Error[] = [];

  before(async () => {
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider(
      {
        'Auth.js app': [
          ...['--redirect-uri', `${app}/auth/callback/codegrant`],
          ...['--redirect-uri', `${app}/auth/callback/codegrant-userinfo`],
        ],
      },
      // liam is the one who denies consent: kate's is remembered once given.
      { users: ['kate', 'liam'] },
    );
    const { client_id, client_secret } = idp.clients['Auth.js app']!;
    const config: AuthConfig = {
      // The generic OIDC provider, configured as Auth.js documents it: an issuer and credentials.
      // The second reads the profile from the user info endpoint (`idToken: false`): our ID tokens
      // carry no profile claims when an access token is issued (OpenID Connect Core §5.4).
      providers: [
        {
          id: 'codegrant',
          name: 'codegrant',
          type: 'oidc',
          issuer: idp.issuer,
          clientId: client_id,
          clientSecret: client_secret,
        },
        {
          id: 'codegrant-userinfo',
          name: 'codegrant (user info)',
          type: 'oidc',
          issuer: idp.issuer,
          clientId: client_id,
          clientSecret: client_secret,
          idToken: false,
        },
      ],
      secret: 'an Auth.js secret of at least thirty-two characters',
      trustHost: true,
      basePath: '/auth',
      callbacks: {
        jwt({ token, account, profile }) {
          if (account) signIns.push({ account, profile });
          return token;
        },
      },
      logger: { error: (error) => errors.push(error) },
    };
    const hono = new Hono();
    hono.all('/auth/*', (c) => Auth(c.req.raw, config));
    hono.get('/', (c) => c.text('the app'));
    closeApp = await serveApp(port, getRequestListener(hono.fetch));
  });
  after(async () => {
    await closeApp();
    await idp.stop();
    await removeTempDir();
  });

  /** Starts Auth.js's sign-in as its `signIn()` does: a CSRF token, then a POST to the provider's route. */
  async function signIn(browser: TestBrowser, provider: string, user: EndUser) {
    const { csrfToken } = (await (await browser.fetch(`${app}/auth/csrf`)).json()) as { csrfToken: string };
    return browse(browser, `${app}/auth/signin/${provider}`, user, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, callbackUrl: `${app}/` }),
    });
  }

  async function session(browser: TestBrowser) {
    return (await (await browser.fetch(`${app}/auth/session`)).json()) as {
      user?: Record<string, string>;
    } | null;
  }

  it('signs the user in with PKCE, checks iss and the ID token, and keeps them in its session', async () => {
    const browser = new TestBrowser();
    const visit = await signIn(browser, 'codegrant', idp.user);
    assert.deepEqual(errors, []);
    assert.equal(visit.url.href, `${app}/`, visit.visited.join('\n'));
    assert.equal(await visit.response.text(), 'the app');
    assert.deepEqual(visit.pagesShown, ['login', 'consent']);

    const authorization = visit.visited.find((url) => url.href.startsWith(`${idp.issuer}/authorize`))!;
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('scope'), 'openid profile email');
    const callback = visit.visited.find((url) => url.pathname === '/auth/callback/codegrant')!;
    assert.equal(callback.searchParams.get('iss'), idp.issuer, 'RFC 9207: the iss Auth.js checks');

    const { account, profile } = signIns.at(-1)!;
    assert.equal(account.provider, 'codegrant');
    assert.equal(account.providerAccountId, idp.user.sub);
    assert.equal(profile?.sub, idp.user.sub);
    assert.equal(profile?.iss, idp.issuer);
    assert.equal(profile?.aud, idp.clients['Auth.js app']!.client_id);
    assert.equal(account.token_type?.toLowerCase(), 'bearer');
    // The user info endpoint answers the access token Auth.js got.
    const userinfo = await fetch(`${idp.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${account.access_token}` },
    });
    assert.equal(userinfo.status, 200);
    assert.equal(((await userinfo.json()) as { sub: string }).sub, idp.user.sub);

    // Signed in, by the ID token alone: it has no name or email to show (OpenID Connect Core §5.4).
    const signedIn = await session(browser);
    assert.ok(signedIn?.user);
    assert.equal(signedIn.user.email, undefined);
  });

  it('fills its session from the user info endpoint with idToken: false', async () => {
    const browser = new TestBrowser();
    const visit = await signIn(browser, 'codegrant-userinfo', idp.user);
    assert.deepEqual(errors, []);
    assert.equal(visit.url.href, `${app}/`, visit.visited.join('\n'));
    assert.equal(signIns.at(-1)?.profile?.sub, idp.user.sub);
    const signedIn = await session(browser);
    assert.equal(signedIn?.user?.email, idp.user.email);
    assert.equal(signedIn?.user?.name, idp.user.name);
  });

  it('signs out of its own session', async () => {
    const browser = new TestBrowser();
    await signIn(browser, 'codegrant-userinfo', idp.user);
    assert.ok((await session(browser))?.user);
    const { csrfToken } = (await (await browser.fetch(`${app}/auth/csrf`)).json()) as { csrfToken: string };
    const signedOut = await browse(browser, `${app}/auth/signout`, undefined, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, callbackUrl: `${app}/` }),
    });
    assert.equal(signedOut.url.href, `${app}/`);
    assert.equal(await session(browser), null);
  });

  it('returns to its sign-in page with the error, signed out, when the user denies consent', async () => {
    const browser = new TestBrowser();
    const signInsBefore = signIns.length;
    errors.length = 0;
    const visit = await signIn(browser, 'codegrant', { ...idp.users[1]!, consent: 'deny' });
    assert.deepEqual(visit.pagesShown, ['login', 'consent']);
    const callback = visit.visited.find((url) => url.pathname === '/auth/callback/codegrant')!;
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(visit.url.pathname, '/auth/signin', visit.visited.join('\n'));
    assert.equal(visit.url.searchParams.get('error'), 'OAuthCallbackError');
    assert.equal(signIns.length, signInsBefore, 'no sign-in');
    assert.equal(await session(browser), null);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error & { type?: string }).type, 'OAuthCallbackError');
  });
});

/**
 * express-openid-connect (Auth0's Express middleware, openid-client v6 inside) signs in against
 * `codegrant serve` with the code flow: discovery, PKCE, the code exchange, ID token validation
 * with its default RS256, user info, a refresh, and logout at the identity provider
 * (RP-Initiated Logout with `id_token_hint`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
// CommonJS: its named exports are not visible to ESM's static analysis.
import expressOpenidConnect from 'express-openid-connect';
import { decodeProtectedHeader } from 'jose';

import { TestBrowser } from '../../../server/test/helpers/browser.ts';
import { freePort, removeTempDir } from '../helpers/cli.ts';
import { serveApp } from './helpers/app-server.ts';
import { type IdentityProvider, startIdentityProvider } from './helpers/identity-provider.ts';
import { browse } from './helpers/user-agent.ts';

const { auth, requiresAuth } = expressOpenidConnect;

describe('express-openid-connect against codegrant serve', () => {
  let idp: IdentityProvider;
  let app: string;
  let closeApp: () => Promise<void>;

  before(async () => {
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider({
      // The middleware expects RS256 ID tokens unless `idTokenSigningAlg` says otherwise.
      'Express app': [
        ...['--redirect-uri', `${app}/callback`, '--post-logout-redirect-uri', `${app}/`],
        ...['--id-token-alg', 'RS256'],
      ],
    });
    const { client_id, client_secret } = idp.clients['Express app']!;
    const server = express();
    server.use(
      auth({
        issuerBaseURL: idp.issuer,
        baseURL: app,
        clientID: client_id,
        clientSecret: client_secret,
        secret: 'an express-openid-connect cookie secret',
        authRequired: false,
        idpLogout: true,
        routes: { postLogoutRedirect: `${app}/` },
        authorizationParams: { response_type: 'code', scope: 'openid profile email offline_access' },
      }),
    );
    server.get('/', (req, res) => {
      res.send(req.oidc.isAuthenticated() ? `signed in as ${req.oidc.user?.sub}` : 'signed out');
    });
    server.get('/profile', requiresAuth(), async (req, res) => {
      res.json({
        user: req.oidc.user,
        userinfo: await req.oidc.fetchUserInfo(),
        idToken: req.oidc.idToken,
        accessToken: req.oidc.accessToken?.access_token,
        hasRefreshToken: Boolean(req.oidc.refreshToken),
      });
    });
    server.get('/refresh', requiresAuth(), async (req, res) => {
      const refreshed = await req.oidc.accessToken!.refresh();
      res.json({ accessToken: refreshed.access_token, userinfo: await req.oidc.fetchUserInfo() });
    });
    closeApp = await serveApp(port, server);
  });
  after(async () => {
    await closeApp();
    await idp.stop();
    await removeTempDir();
  });

  interface ProfilePage {
    user: Record<string, unknown>;
    userinfo: Record<string, unknown>;
    idToken: string;
    accessToken: string;
    hasRefreshToken: boolean;
  }

  it('signs in on a protected page, with PKCE, and reads the user info', async () => {
    const browser = new TestBrowser();
    const visit = await browse(browser, `${app}/profile`, idp.user);
    assert.equal(visit.url.href, `${app}/profile`, visit.visited.join('\n'));
    assert.equal(visit.response.status, 200);
    assert.deepEqual(visit.pagesShown, ['login', 'consent']);
    const authorization = visit.visited.find((url) => url.href.startsWith(`${idp.issuer}/authorize`))!;
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('nonce'));

    const profile = (await visit.response.json()) as ProfilePage;
    assert.equal(profile.user.sub, idp.user.sub);
    assert.equal(decodeProtectedHeader(profile.idToken).alg, 'RS256');
    assert.deepEqual(
      { sub: profile.userinfo.sub, email: profile.userinfo.email, name: profile.userinfo.name },
      { sub: idp.user.sub, email: idp.user.email, name: idp.user.name },
    );
    assert.equal(profile.hasRefreshToken, true, 'offline_access was granted');
    assert.equal(await (await browser.fetch(`${app}/`)).text(), `signed in as ${idp.user.sub}`);
  });

  it('refreshes the access token, and the new one is accepted', async () => {
    const browser = new TestBrowser();
    const signedIn = await browse(browser, `${app}/profile`, idp.user);
    const { accessToken } = (await signedIn.response.json()) as ProfilePage;
    const response = await browser.fetch(`${app}/refresh`);
    assert.equal(response.status, 200);
    const refreshed = (await response.json()) as { accessToken: string; userinfo: { sub: string } };
    assert.notEqual(refreshed.accessToken, accessToken);
    assert.equal(refreshed.userinfo.sub, idp.user.sub);
  });

  it('logs out at the identity provider too, and a new sign-in asks for the password again', async () => {
    const browser = new TestBrowser();
    await browse(browser, `${app}/profile`, idp.user);
    const loggedOut = await browse(browser, `${app}/logout`);
    const endSession = loggedOut.visited.find((url) => url.href.startsWith(`${idp.issuer}/end-session`));
    assert.ok(endSession, loggedOut.visited.join('\n'));
    assert.ok(endSession.searchParams.get('id_token_hint'));
    assert.equal(loggedOut.url.href, `${app}/`);
    assert.equal(await loggedOut.response.text(), 'signed out');

    const again = await browse(browser, `${app}/profile`, idp.user);
    assert.deepEqual(
      again.pagesShown,
      ['login'],
      'the identity provider session ended; consent is remembered',
    );
    assert.equal(again.response.status, 200);
  });

  it('answers a forged callback with an error and no session', async () => {
    const browser = new TestBrowser();
    const forged = await browser.fetch(
      `${app}/callback?code=forged&state=forged&iss=${encodeURIComponent(idp.issuer)}`,
    );
    assert.equal(forged.status, 400);
    assert.equal(await (await browser.fetch(`${app}/`)).text(), 'signed out');
  });
});

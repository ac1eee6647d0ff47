/**
 * Passport with passport-openidconnect signs in against `codegrant serve`. The strategy sends no
 * PKCE, so its client is registered with `--allow-missing-pkce`, and our server then requires the
 * `nonce` RFC 9700 §2.1.1 accepts instead: the strategy's `nonce: true`. Without it the sign-in is
 * refused with an error that says so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import { type Profile, Strategy } from 'passport-openidconnect';
import { TestBrowser } from '../../../server/test/helpers/browser.ts';
import { freePort, removeTempDir } from '../helpers/cli.ts';
import { serveApp } from './helpers/app-server.ts';
import { type IdentityProvider, startIdentityProvider } from './helpers/identity-provider.ts';
import { browse } from './helpers/user-agent.ts';

interface SignedInUser {
  issuer: string;
  profile: Profile;
}

describe('Passport (passport-openidconnect) against codegrant serve', () => {
  let idp: IdentityProvider;
  let app: string;
  let closeApp: () => Promise<void>;

  before(async () => {
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider(
      {
        'Passport app': [
          ...['--redirect-uri', `${app}/callback`, '--redirect-uri', `${app}/callback-without-nonce`],
          '--allow-missing-pkce',
        ],
      },
      { users: ['kate', 'liam'] },
    );
    const { client_id, client_secret } = idp.clients['Passport app']!;
    // passport-openidconnect 0.1 does no discovery: the endpoints come from our metadata.
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    const strategy = (callback: string, nonce: boolean) =>
      new Strategy(
        {
          issuer: metadata.issuer!,
          authorizationURL: metadata.authorization_endpoint!,
          tokenURL: metadata.token_endpoint!,
          userInfoURL: metadata.userinfo_endpoint!,
          clientID: client_id,
          clientSecret: client_secret,
          callbackURL: `${app}${callback}`,
          scope: ['profile', 'email'],
          // Any truthy value makes the strategy send a nonce; its types ask for a string.
          nonce: nonce ? 'yes' : undefined,
          // Else the profile is the ID token's, which has no name or email (OpenID Connect Core §5.4).
          skipUserProfile: false,
        },
        (issuer: string, profile: Profile, done: (error: null, user: SignedInUser) => void) =>
          done(null, { issuer, profile }),
      );
    passport.use('codegrant', strategy('/callback', true));
    passport.use('codegrant-without-nonce', strategy('/callback-without-nonce', false));
    passport.serializeUser((user, done) => done(null, JSON.stringify(user)));
    passport.deserializeUser((user: string, done) => done(null, JSON.parse(user)));

    const server = express();
    server.use(session({ secret: 'a Passport session secret', resave: false, saveUninitialized: false }));
    server.use(passport.session());
    server.get('/login', passport.authenticate('codegrant'));
    server.get('/login-without-nonce', passport.authenticate('codegrant-without-nonce'));
    const landing = { successRedirect: '/me', failureRedirect: '/failed', failureMessage: true };
    server.get('/callback', passport.authenticate('codegrant', landing));
    server.get('/callback-without-nonce', passport.authenticate('codegrant-without-nonce', landing));
    server.get('/me', (req, res) => {
      if (req.user) res.json(req.user);
      else res.status(401).send('signed out');
    });
    server.get('/failed', (req, res) => {
      res.status(401).json((req.session as { messages?: string[] }).messages ?? []);
    });
    const reportError: ErrorRequestHandler = (error, _req, res, _next) => {
      res.status(500).json({ code: error.code, message: error.message });
    };
    server.use(reportError);
    closeApp = await serveApp(port, server);
  });
  after(async () => {
    await closeApp();
    await idp.stop();
    await removeTempDir();
  });

  it('signs the user in with a nonce and reads the profile from the user info endpoint', async () => {
    const browser = new TestBrowser();
    const visit = await browse(browser, `${app}/login`, idp.user);
    assert.equal(visit.url.href, `${app}/me`, visit.visited.join('\n'));
    assert.deepEqual(visit.pagesShown, ['login', 'consent']);
    const authorization = visit.visited.find((url) => url.href.startsWith(`${idp.issuer}/authorize`))!;
    assert.equal(authorization.searchParams.get('code_challenge'), null, 'the strategy sends no PKCE');
    assert.ok(authorization.searchParams.get('nonce'));
    assert.equal(authorization.searchParams.get('scope'), 'openid profile email');

    const user = (await visit.response.json()) as SignedInUser;
    assert.equal(user.issuer, idp.issuer);
    assert.equal(user.profile.id, idp.user.sub);
    assert.equal(user.profile.displayName, idp.user.name);
    assert.deepEqual(user.profile.emails, [{ value: idp.user.email }]);
  });

  it('is refused, with the reason, when it sends neither PKCE nor a nonce', async () => {
    const browser = new TestBrowser();
    const visit = await browse(browser, `${app}/login-without-nonce`, idp.users[1]);
    assert.deepEqual(visit.pagesShown, [], 'refused before any page is shown');
    const callback = visit.visited.find((url) => url.pathname === '/callback-without-nonce')!;
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.equal(callback.searchParams.get('iss'), idp.issuer);
    assert.equal(visit.response.status, 500);
    const error = (await visit.response.json()) as { code: string; message: string };
    assert.equal(error.code, 'invalid_request');
    assert.match(error.message, /without PKCE, send scope openid with a nonce/);
    assert.equal((await browser.fetch(`${app}/me`)).status, 401);
  });

  it('fails the sign-in when the user denies consent', async () => {
    const browser = new TestBrowser();
    const visit = await browse(browser, `${app}/login`, { ...idp.users[1]!, consent: 'deny' });
    assert.deepEqual(visit.pagesShown, ['login', 'consent']);
    assert.equal(visit.url.href, `${app}/failed`);
    assert.deepEqual(await visit.response.json(), ['the end-user denied the request']);
    assert.equal((await browser.fetch(`${app}/me`)).status, 401);
  });
});

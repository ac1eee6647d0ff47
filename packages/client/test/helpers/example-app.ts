// The README's example, verbatim apart from the `insecure` switch the tests need (http issuer).
import * as client from '@codegrant/client';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export interface ExampleOptions {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** The public URL of /callback, as registered at the identity provider. */
  redirectUri: string;
  /** The audience of the access tokens /api/hello accepts. */
  apiAudience: string;
  /** Development only: an http:// issuer. */
  insecure?: boolean;
}

interface Session {
  claims: client.IDTokenClaims;
  accessToken: string;
  refreshToken?: string;
}

export async function createApp(options: ExampleOptions): Promise<Hono> {
  const config = await client.discovery(
    options.issuer,
    options.clientId,
    { client_secret: options.clientSecret, redirect_uri: options.redirectUri },
    undefined,
    { execute: options.insecure ? [client.allowInsecureRequests] : [] },
  );
  // In memory for the example: use your session store.
  const pendingLogins = new Map<string, { verifier: string; state: string; nonce: string }>();
  const sessions = new Map<string, Session>();
  const cookie = { httpOnly: true, secure: !options.insecure, sameSite: 'Lax', path: '/' } as const;

  const app = new Hono();

  app.get('/login', async (c) => {
    const login = {
      verifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    const id = client.randomState();
    pendingLogins.set(id, login);
    setCookie(c, 'login', id, { ...cookie, maxAge: 600 });
    const url = client.buildAuthorizationUrl(config, {
      scope: 'openid profile email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    return c.redirect(url.href);
  });

  app.get('/callback', async (c) => {
    const id = getCookie(c, 'login') ?? '';
    const login = pendingLogins.get(id);
    pendingLogins.delete(id);
    deleteCookie(c, 'login', cookie);
    if (!login) return c.text('No sign-in in progress.', 400);
    try {
      const tokens = await client.authorizationCodeGrant(config, c.req.raw, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
      });
      const sessionId = client.randomState();
      sessions.set(sessionId, {
        claims: tokens.claims()!,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
      });
      setCookie(c, 'session', sessionId, cookie);
      return c.redirect('/me');
    } catch (err) {
      // err.code says which check failed; err.error is the identity provider's answer, if any.
      if (err instanceof client.ClientError) return c.text(`Sign-in failed: ${err.message}`, 400);
      throw err;
    }
  });

  app.get('/me', async (c) => {
    const session = sessions.get(getCookie(c, 'session') ?? '');
    if (!session) return c.redirect('/login');
    const userinfo = await client.fetchUserInfo(config, session.accessToken, session.claims.sub);
    return c.json({ sub: session.claims.sub, email: userinfo.email });
  });

  app.post('/logout', (c) => {
    sessions.delete(getCookie(c, 'session') ?? '');
    deleteCookie(c, 'session', cookie);
    return c.redirect('/');
  });

  // "Your API": any client may call it with an access token of the identity provider. One metadata
  // object for every request: the JWKS is cached with it.
  const apiServerMetadata = config.serverMetadata();
  app.get('/api/hello', async (c) => {
    try {
      const claims = await client.validateJwtAccessToken(apiServerMetadata, c.req.raw, options.apiAudience, {
        [client.allowHttp]: options.insecure,
      });
      return c.json({ hello: claims.sub });
    } catch (err) {
      if (err instanceof client.ClientError && err.wwwAuthenticate) {
        return c.body(null, err.status as 400 | 401, { 'www-authenticate': err.wwwAuthenticate });
      }
      throw err;
    }
  });

  return app;
}

import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { createApi } from './api.ts';
import { discover, type Provider } from './discovery.ts';
import {
  type ClientSettings,
  callApi,
  FlowError,
  fetchUserinfo,
  redeemCode,
  refreshTokens,
  startSignIn,
  validateCallback,
} from './flow.ts';
import { failurePage, homePage, type PageContext, SECURITY_HEADERS, signedInPage } from './pages.ts';
import { SessionStore } from './sessions.ts';

/** The scopes the demo asks for: sign-in (`openid`), profile and email claims, and a refresh token. */
const DEMO_SCOPE = 'openid profile email offline_access';

/** Options of {@link createDemoApp}. */
export interface DemoAppOptions {
  /** The identity provider's issuer identifier; discovery is fetched from it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** A registered redirect URI; its path is the app's callback route. */
  redirectUri: string;
  /** The client's registered `id_token_signed_response_alg` (default `ES256`). */
  idTokenSigningAlg?: string;
  /** Shown on the home page, so a visitor knows how to sign in. */
  demoAccount?: { username: string; password: string };
}

/**
 * The demo web app: a confidential client of the identity provider, as a Hono app. Routes:
 * `GET /` (home, or the signed-in page with every step), `POST /login` (starts a sign-in),
 * `GET <redirect URI path>` (the callback), `POST /refresh`, `POST /call-api` (calls `GET /api/me`
 * with the session's access token), `POST /logout`; and its API, `GET /api/me` (see `api.ts`).
 */
export function createDemoApp(options: DemoAppOptions): Hono {
  const client: ClientSettings = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    scope: DEMO_SCOPE,
    idTokenSigningAlg: options.idTokenSigningAlg ?? 'ES256',
  };
  const context: PageContext = {
    issuer: options.issuer,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
  };
  const sessions = new SessionStore();
  // Discovery once, on first use, so the app may start before the identity provider; a failure is retried.
  let provider: Promise<Provider> | undefined;
  const getProvider = (): Promise<Provider> =>
    (provider ??= discover(options.issuer).catch((error: unknown) => {
      provider = undefined;
      throw error;
    }));

  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  // Form posts only from this app's own pages (Origin or Sec-Fetch-Site), so another site cannot
  // start a sign-in, sign the visitor out or spend the refresh token.
  app.use(csrf());

  app.get('/', (c) => {
    const session = sessions.get(c);
    return c.html(
      session?.tokens
        ? signedInPage(context, session, session.tokens)
        : homePage(context, options.demoAccount),
    );
  });

  app.post('/login', async (c) => {
    let signIn: Awaited<ReturnType<typeof startSignIn>>;
    try {
      signIn = await startSignIn(await getProvider(), client);
    } catch (error) {
      return c.html(
        failurePage(context, `Could not start the sign-in: ${(error as Error).message}`, []),
        502,
      );
    }
    const session = sessions.start(c);
    session.pending = signIn.pending;
    session.steps.push(signIn.step);
    return c.redirect(signIn.url, 303);
  });

  app.get(new URL(options.redirectUri).pathname, async (c) => {
    const session = sessions.get(c);
    const pending = session?.pending;
    if (!session || !pending) {
      const home = new URL('/', options.redirectUri).href;
      return c.html(
        failurePage(
          context,
          `No sign-in is in progress in this browser (it has no session of this app). Start it from ${home}.`,
          session?.steps ?? [],
        ),
        400,
      );
    }
    // One callback per authorization request: a replayed response finds nothing to match.
    session.pending = undefined;
    try {
      const current = await getProvider();
      const callback = validateCallback(current, pending, c.req.url);
      session.steps.push(callback.step);
      const redeemed = await redeemCode(current, client, pending, callback.code);
      session.steps.push(redeemed.step);
      const userinfo = await fetchUserinfo(
        current,
        redeemed.tokens.accessToken,
        redeemed.tokens.idTokenClaims.sub,
      );
      session.steps.push(userinfo.step);
      session.tokens = redeemed.tokens;
      session.userinfo = userinfo.claims;
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      session.steps.push(error.step);
      // The browser sent a bad response (400), or the identity provider's answers were refused (502).
      return c.html(
        failurePage(context, error.message, session.steps),
        error.step.kind === 'callback' ? 400 : 502,
      );
    }
    sessions.renew(c, session);
    // Away from the callback URL, so that reloading the page does not send the code again.
    return c.redirect('/', 303);
  });

  app.post('/refresh', async (c) => {
    const session = sessions.get(c);
    const refreshToken = session?.tokens?.refreshToken;
    if (session?.tokens && refreshToken) {
      try {
        const refreshed = await refreshTokens(await getProvider(), client, session.tokens, refreshToken);
        session.steps.push(refreshed.step);
        session.tokens = refreshed.tokens;
      } catch (error) {
        if (!(error instanceof FlowError)) throw error;
        // Shown on the signed-in page, as its last step.
        session.steps.push(error.step);
      }
    }
    return c.redirect('/', 303);
  });

  app.post('/call-api', async (c) => {
    const session = sessions.get(c);
    if (session?.tokens) {
      try {
        // Over HTTP, as any client of the API would: the page shows that exchange.
        session.steps.push(
          await callApi(new URL('/api/me', options.redirectUri).href, session.tokens.accessToken),
        );
      } catch (error) {
        if (!(error instanceof FlowError)) throw error;
        session.steps.push(error.step);
      }
    }
    return c.redirect('/', 303);
  });

  app.route('/api', createApi(getProvider));

  app.post('/logout', (c) => {
    sessions.end(c);
    return c.redirect('/', 303);
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    console.error(error);
    return c.html(failurePage(context, `The demo app failed: ${error.message}`, []), 500);
  });
  return app;
}

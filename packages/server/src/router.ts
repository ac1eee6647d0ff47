import { type Context, Hono } from 'hono';
import { routePath } from 'hono/route';
import { accountPageEndpoints } from './accounts/account-page.ts';
import { accountCallbackEndpoint } from './accounts/account-sign-in.ts';
import { confirmEmailEndpoints } from './accounts/confirm-email.ts';
import { forgotPasswordEndpoints } from './accounts/forgot-password.ts';
import { accountPasskeyEndpoints, passkeyAssets, signInPasskeyEndpoints } from './accounts/passkeys.ts';
import { resetPasswordEndpoints } from './accounts/reset-password.ts';
import { secondFactorEndpoint } from './accounts/second-factor.ts';
import { signUpEndpoints } from './accounts/sign-up.ts';
import { twoStepEndpoints } from './accounts/two-step.ts';
import { mountAdminConsole } from './admin/console-routes.ts';
import type { ServerContext } from './context.ts';
import { deviceVerificationEndpoints } from './device/verification.ts';
import { authorizeEndpoint } from './endpoints/authorize.ts';
import { deviceAuthorizationEndpoint } from './endpoints/device-authorization.ts';
import { discoveryEndpoint } from './endpoints/discovery.ts';
import { endSessionEndpoint } from './endpoints/end-session.ts';
import { endSessionConfirmEndpoint } from './endpoints/end-session-confirm.ts';
import { livenessEndpoint, readinessEndpoint } from './endpoints/health.ts';
import { interactionConsentEndpoint } from './endpoints/interaction-consent.ts';
import { interactionLoginEndpoint } from './endpoints/interaction-login.ts';
import { interactionPageEndpoint } from './endpoints/interaction-page.ts';
import { introspectionEndpoint } from './endpoints/introspection.ts';
import { jwksEndpoint } from './endpoints/jwks.ts';
import { pushedAuthorizationEndpoint } from './endpoints/pushed-authorization.ts';
import { clientConfigurationEndpoint, registrationEndpoint } from './endpoints/registration.ts';
import { revocationEndpoint } from './endpoints/revocation.ts';
import { tokenEndpoint } from './endpoints/token.ts';
import { userinfoEndpoint } from './endpoints/userinfo.ts';
import { OAuthError } from './errors.ts';
import { CORS_HEADERS, corsPreflight } from './http/cors.ts';
import { jsonNoStore, notFound, oauthErrorResponse } from './http/responses.ts';
import { traced } from './metrics/tracing.ts';
import { upstreamCallbackEndpoint } from './upstream/callback.ts';
import { upstreamStartEndpoint } from './upstream/start.ts';

/** What the Node adapter (or another runtime's) tells the handler about the connection. */
export interface ConnectionInfo {
  remoteAddress?: string;
}

type Env = { Bindings: ConnectionInfo; Variables: { requestId: string } };

/**
 * The metrics label of a request: the pattern of the route that answered (`/interaction/:id`),
 * which keeps the label's values few; requests no route matched share one value.
 */
function endpointOf(c: Context<Env>): string {
  const path = routePath(c, -1);
  return path === '*' || path === '/*' ? 'unmatched' : path;
}

/** What the router needs of the server beyond its context. */
export interface RouterOperations {
  /** Reloads the signing keys (the console's rotation). */
  reloadKeys: () => Promise<void>;
}

/** The two well-known names of the metadata document (OpenID Connect Discovery, RFC 8414). */
const METADATA_DOCUMENTS = ['openid-configuration', 'oauth-authorization-server'] as const;

/**
 * The routes of the identity provider, every endpoint in one visible list. Paths are relative to
 * the issuer's path, so an issuer like `https://example.com/auth` works behind a path prefix.
 */
export function createRouter(context: ServerContext, operations: RouterOperations): Hono<Env> {
  const basePath = context.issuerUrl.pathname.replace(/\/$/, '');
  const root = new Hono<Env>();
  const app = basePath ? new Hono<Env>().basePath(basePath) : root;
  const discovery = discoveryEndpoint(context);
  const authorize = authorizeEndpoint(context);
  const token = tokenEndpoint(context);
  const pushedAuthorizationRequest = pushedAuthorizationEndpoint(context);
  const pushedAuthorization = (c: Context<Env>) => pushedAuthorizationRequest(c.req.raw);
  const userinfo = userinfoEndpoint(context);
  const revoke = revocationEndpoint(context);
  const introspect = introspectionEndpoint(context);
  const endSessionStart = endSessionEndpoint(context);
  const endSessionConfirm = endSessionConfirmEndpoint(context);
  const interactionPage = interactionPageEndpoint(context);
  const interactionLogin = interactionLoginEndpoint(context);
  const interactionConsent = interactionConsentEndpoint(context);
  const secondFactor = secondFactorEndpoint(context);
  const clientAddress = (request: Request, info: ConnectionInfo | undefined): string | undefined =>
    (context.trustProxy ? request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() : undefined) ??
    info?.remoteAddress;

  const { metrics, tracer } = context;
  if (tracer) {
    // Outermost: the span covers the whole request, the log line and the metrics included.
    root.use((c, next) =>
      traced(tracer, c.req.method, c.req.path, async () => {
        await next();
        return { status: c.res.status, route: endpointOf(c) };
      }),
    );
  }
  // One structured log line per request, and a request id to find it by (in 500 answers too). It
  // is not set as a response header: touching the headers of every response costs the fast path
  // of the Node adapter.
  root.use(async (c, next) => {
    const requestId = crypto.randomUUID();
    const started = performance.now();
    c.set('requestId', requestId);
    await next();
    if (metrics) {
      const endpoint = endpointOf(c);
      metrics.requests.inc({ endpoint, method: c.req.method, status: c.res.status });
      metrics.requestDuration.observe({ endpoint }, (performance.now() - started) / 1000);
    }
    context.logger({
      level: 'info',
      msg: 'request',
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  for (const name of METADATA_DOCUMENTS) {
    // Both places a client may look for an issuer with a path: appended to the issuer (OpenID
    // Connect Discovery §4) and inserted between host and path (RFC 8414 §3.1), which MCP clients use.
    app.get(`/.well-known/${name}`, discovery);
    app.options(`/.well-known/${name}`, () => corsPreflight());
    if (basePath) {
      root.get(`/.well-known/${name}${basePath}`, discovery);
      root.options(`/.well-known/${name}${basePath}`, () => corsPreflight());
    }
  }
  app.get('/jwks', jwksEndpoint(context));
  app.get('/healthz', livenessEndpoint());
  app.get('/readyz', readinessEndpoint(context, context.readiness));
  app.on(['GET', 'POST'], '/authorize', (c) => authorize(c.req.raw));
  app.get('/interaction/:id', (c) => interactionPage(c.req.raw, c.req.param('id')));
  if (!context.loginUrl) {
    app.post('/interaction/:id/login', (c) =>
      interactionLogin(c.req.raw, c.req.param('id'), clientAddress(c.req.raw, c.env)),
    );
  }
  app.post('/interaction/:id/consent', (c) =>
    interactionConsent(c.req.raw, c.req.param('id'), clientAddress(c.req.raw, c.env)),
  );
  app.post('/interaction/:id/second-factor', (c) =>
    secondFactor(c.req.raw, c.req.param('id'), clientAddress(c.req.raw, c.env)),
  );
  // Self-service accounts (`accounts/`): each flow only when its option is on.
  // Sign-up is a setting too: routed whenever the server can mail, answered only while it is on.
  if (context.accounts.signUp || context.mailer !== undefined) {
    const signUp = signUpEndpoints(context);
    app.get('/account/sign-up', (c) => signUp.page(c.req.raw));
    app.post('/account/sign-up', (c) => signUp.submit(c.req.raw, clientAddress(c.req.raw, c.env)));
  }
  if (context.accounts.signUp || context.mailer !== undefined || context.accounts.requireVerifiedEmail) {
    const confirm = confirmEmailEndpoints(context);
    app.get('/account/confirm', (c) => confirm.page(c.req.raw));
    app.post('/account/confirm', (c) => confirm.submit(c.req.raw, clientAddress(c.req.raw, c.env)));
  }
  // The account page and the device verification page sign people in through the account client.
  if (context.accounts.accountPage || context.deviceAuthorization) {
    const accountCallback = accountCallbackEndpoint(context);
    app.get('/account/callback', (c) => accountCallback(c.req.raw));
  }
  if (context.accounts.accountPage) {
    const account = accountPageEndpoints(context);
    app.get('/account', (c) => account.page(c.req.raw));
    app.post('/account/sign-out', (c) => account.signOut(c.req.raw));
    app.post('/account/profile', (c) => account.saveProfile(c.req.raw));
    app.post('/account/password', (c) => account.changePassword(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.post('/account/sessions/end', (c) => account.endSession(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.post('/account/apps/revoke', (c) => account.revokeApp(c.req.raw, clientAddress(c.req.raw, c.env)));
  }
  if (context.accounts.totp) {
    const twoStep = twoStepEndpoints(context);
    app.get('/account/two-step', (c) => twoStep.enrolPage(c.req.raw));
    app.post('/account/two-step', (c) => twoStep.confirm(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.post('/account/two-step/off', (c) => twoStep.turnOff(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.post('/account/recovery-codes', (c) => twoStep.renewRecoveryCodes(c.req.raw));
  }
  if (context.accounts.passkeys) {
    const accountPasskeys = accountPasskeyEndpoints(context);
    const signInPasskeys = signInPasskeyEndpoints(context);
    const assets = passkeyAssets();
    app.get('/assets/webauthn.js', assets.webauthn);
    app.get('/assets/passkeys.js', assets.passkeys);
    app.post('/account/passkeys/options', (c) => accountPasskeys.options(c.req.raw));
    app.post('/account/passkeys', (c) =>
      accountPasskeys.register(c.req.raw, clientAddress(c.req.raw, c.env)),
    );
    app.post('/account/passkeys/delete', (c) =>
      accountPasskeys.remove(c.req.raw, clientAddress(c.req.raw, c.env)),
    );
    app.post('/interaction/:id/passkey/options', (c) => signInPasskeys.options(c.req.raw, c.req.param('id')));
    app.post('/interaction/:id/passkey', (c) =>
      signInPasskeys.verify(c.req.raw, c.req.param('id'), clientAddress(c.req.raw, c.env)),
    );
  }
  if (context.upstreamProviders.size > 0) {
    const upstreamStart = upstreamStartEndpoint(context);
    const upstreamCallback = upstreamCallbackEndpoint(context);
    app.get('/interaction/:id/upstream/:provider', (c) =>
      upstreamStart(c.req.raw, c.req.param('id'), c.req.param('provider')),
    );
    app.get('/upstream/callback', (c) => upstreamCallback(c.req.raw, clientAddress(c.req.raw, c.env)));
  }
  if (context.accounts.passwordReset) {
    const forgot = forgotPasswordEndpoints(context);
    const reset = resetPasswordEndpoints(context);
    app.get('/account/forgot-password', (c) => forgot.page(c.req.raw));
    app.post('/account/forgot-password', (c) => forgot.submit(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.get('/account/reset-password', (c) => reset.page(c.req.raw));
    app.post('/account/reset-password', (c) => reset.submit(c.req.raw, clientAddress(c.req.raw, c.env)));
  }
  if (context.deviceAuthorization) {
    const deviceAuthorization = deviceAuthorizationEndpoint(context, context.deviceAuthorization);
    const verification = deviceVerificationEndpoints(context);
    app.post('/device_authorization', (c) => deviceAuthorization(c.req.raw));
    app.options('/device_authorization', () => corsPreflight());
    app.get('/device', (c) => verification.page(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.post('/device', (c) => verification.submit(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.post('/device/decide', (c) => verification.decide(c.req.raw, clientAddress(c.req.raw, c.env)));
  }
  app.post('/token', (c) => token(c.req.raw, clientAddress(c.req.raw, c.env)));
  app.post('/par', pushedAuthorization);
  app.on(['GET', 'POST'], '/userinfo', (c) => userinfo(c.req.raw));
  app.post('/revoke', (c) => revoke(c.req.raw, clientAddress(c.req.raw, c.env)));
  app.post('/introspect', (c) => introspect(c.req.raw));
  {
    // Always routed: whether registration is open is a setting that may change while it runs.
    const register = registrationEndpoint(context);
    const configure = clientConfigurationEndpoint(context);
    app.post('/register', (c) => register(c.req.raw, clientAddress(c.req.raw, c.env)));
    app.on(['GET', 'PUT', 'DELETE'], '/register/:clientId', (c) =>
      configure(c.req.raw, c.req.param('clientId')),
    );
  }
  app.on(['GET', 'POST'], '/end-session', (c) => endSessionStart(c.req.raw));
  app.post('/end-session/confirm', (c) => endSessionConfirm(c.req.raw));
  for (const path of ['/token', '/par', '/userinfo', '/revoke', '/jwks']) {
    app.options(path, () => corsPreflight());
  }

  if (context.adminConsole) {
    mountAdminConsole(app, context, {
      selfFetch: async (request) => root.fetch(request, {}),
      reloadKeys: operations.reloadKeys,
      clientAddress,
    });
  }

  if (basePath) root.route('/', app);
  root.notFound((c) => notFound(c.req.raw));
  root.onError((error, c) => {
    if (error instanceof OAuthError) {
      metrics?.refusals.inc({ endpoint: endpointOf(c), error: error.error });
      return oauthErrorResponse(error, CORS_HEADERS);
    }
    // Unexpected: log it with the request id; the client learns only the id, never a stack trace.
    const requestId = c.get('requestId');
    context.logger({
      level: 'error',
      msg: 'internal error',
      request_id: requestId,
      error: String(error),
      stack: (error as Error).stack,
    });
    return jsonNoStore(
      { error: 'server_error', error_description: `internal error; request id ${requestId}` },
      500,
      CORS_HEADERS,
    );
  });
  return root;
}

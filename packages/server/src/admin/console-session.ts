import {
  buildAuthorizationUrl,
  type Configuration,
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from '@codegrant/client';
import { checkFormCsrf, formCsrfToken } from '../accounts/form-csrf.ts';
import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { seeOther } from '../http/responses.ts';
import { cookieNames, readCookie, serializeCookie, withCookies } from '../interaction/cookies.ts';
import type { ConsoleChrome, ConsoleSection } from '../pages/admin-layout.ts';
import type { UserRecord } from '../store/store.ts';
import { findUsableToken } from '../tokens/find-token.ts';
import { ADMIN_CLIENT_ID } from './admin-client.ts';

/**
 * An administrator's console session lasts this long after they signed in: then they sign in
 * again (seamless while their identity provider session lasts, which also checks their factors).
 */
export const CONSOLE_SESSION_SECONDS = 8 * 3600;

export type ConsoleContext = Pick<
  ServerContext,
  | 'backchannelLogouts'
  | 'issuer'
  | 'issuerUrl'
  | 'store'
  | 'secureCookies'
  | 'lifetimes'
  | 'accessTokenAudience'
  | 'keys'
  | 'audit'
  | 'now'
>;

/** The administrator using the console, and what its forms need. */
export interface ConsoleSession {
  user: UserRecord;
  /** The grant behind the session: revoking it signs the console out. */
  grantId: string;
  /** The session handle (a refresh token of the console's client). */
  handle: string;
  csrfToken: string;
  /** Cookies to set with the page (a new CSRF cookie). */
  cookies: string[];
}

/** Where a console sign-in started: what the callback checks and where it returns. */
export interface ConsoleFlow {
  state: string;
  nonce: string;
  verifier: string;
  returnPath: string;
}

/**
 * The administrator of this browser, or `null`. The session cookie holds a refresh token of the
 * console's client: opaque, stored hashed, revocable. It is valid while that token is (not
 * rotated, its grant not revoked: disabling the account or signing out ends it), for
 * {@link CONSOLE_SESSION_SECONDS} after the sign-in, and while the account is an administrator
 * (checked on every request: removing the role takes effect at once).
 */
export async function consoleSession(
  context: ConsoleContext,
  request: Request,
): Promise<ConsoleSession | null> {
  const handle = readCookie(request, cookieNames(context.secureCookies).admin);
  if (!handle || handle.includes('.')) return null;
  const found = await findUsableToken(context, handle);
  if (found?.type !== 'refresh_token' || found.refreshToken.clientId !== ADMIN_CLIENT_ID) return null;
  if (found.grant.authTime + CONSOLE_SESSION_SECONDS <= context.now()) return null;
  const user = await context.store.findUserById(found.grant.userId);
  if (!user?.admin || user.disabledAt !== null) return null;
  const { token, cookies } = formCsrfToken(context, request);
  return { user, grantId: found.grant.id, handle, csrfToken: token, cookies };
}

/**
 * The redirect that signs an administrator in to the console, through our authorization endpoint
 * with `@codegrant/client`, and back to `returnPath`. The flow (state, nonce, PKCE verifier) waits
 * in a cookie of this browser.
 */
export async function consoleSignIn(
  context: Pick<ServerContext, 'secureCookies' | 'lifetimes'>,
  relyingParty: Configuration,
  returnPath: string,
): Promise<Response> {
  const flow: ConsoleFlow = {
    state: randomState(),
    nonce: randomNonce(),
    verifier: randomPKCECodeVerifier(),
    returnPath,
  };
  const url = buildAuthorizationUrl(relyingParty, {
    scope: 'openid offline_access',
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
  });
  return withCookies(seeOther(url.href), [
    serializeCookie(
      cookieNames(context.secureCookies).adminFlow,
      Buffer.from(JSON.stringify(flow)).toString('base64url'),
      { secure: context.secureCookies, maxAge: context.lifetimes.interaction },
    ),
  ]);
}

/** A console page's session, or the sign-in that leads back to it. */
export async function consoleSessionOrSignIn(
  context: ConsoleContext,
  relyingParty: Configuration,
  request: Request,
): Promise<ConsoleSession | Response> {
  const session = await consoleSession(context, request);
  if (session) return session;
  // Where to come back to, under the issuer (which may have a path of its own).
  const url = new URL(request.url);
  const path = url.pathname.slice(context.issuerUrl.pathname.replace(/\/$/, '').length);
  return consoleSignIn(context, relyingParty, path.startsWith('/admin') ? `${path}${url.search}` : '/admin');
}

/**
 * A console form post: its fields once the CSRF token matched, with the session; without a
 * session, the sign-in (back to the console's start, since a post cannot be repeated).
 */
export async function readConsoleForm(
  context: ConsoleContext,
  relyingParty: Configuration,
  request: Request,
): Promise<{ form: Record<string, string>; session: ConsoleSession } | Response> {
  const form = await readFormParameters(request);
  // Before the session: a forged post learns nothing, not even whether the browser is signed in.
  checkFormCsrf(context, request, form.csrf_token);
  const session = await consoleSession(context, request);
  if (!session) return consoleSignIn(context, relyingParty, '/admin');
  return { form, session };
}

/** The page frame of a console section for the signed-in administrator. */
export function consoleChrome(
  context: Pick<ServerContext, 'issuer'>,
  session: ConsoleSession,
  section: ConsoleSection,
): ConsoleChrome {
  return {
    issuer: context.issuer,
    csrfToken: session.csrfToken,
    username: session.user.username,
    section,
    cookies: session.cookies,
  };
}

import { hasSecondFactor } from '../accounts/second-factors.ts';
import type { ServerContext } from '../context.ts';
import { wantsMultiFactor } from '../interaction/authentication-methods.ts';
import { AuthorizationError } from './authorization-error.ts';
import type { AuthorizationRequest } from './authorization-request.ts';

/** Who is signed in for this request, and since when. */
export interface Login {
  userId: string;
  authTime: number;
  /** How they signed in (RFC 8176 values); empty when an app's own login UI did not say. */
  amr: string[];
}

/** What must happen next for an authorization request. */
export type NextStep =
  | { kind: 'login' }
  | { kind: 'second-factor'; login: Login }
  | { kind: 'consent'; login: Login }
  | { kind: 'issue-code'; login: Login };

/**
 * Decides the next step of an authorization request, from the login of this interaction (a fresh
 * sign-in) or else the browser's session:
 * - `access_denied` when the account was disabled by an administrator;
 * - sign in when there is no session, `prompt=login` asks for a fresh one, or the session is older
 *   than `max_age` (OpenID Connect Core §3.1.2.1);
 * - a second factor when `acr_values` asks for "2" and the sign-in had one factor, if the user has
 *   one to give (OpenID Connect Core §3.1.2.1: acr_values is voluntary; without one it goes on at "1");
 * - consent when the client is not first-party and the user has not granted every requested
 *   scope before, or `prompt=consent` asks again;
 * - `prompt=none` turns either need into `login_required` / `consent_required`.
 *
 * @throws {AuthorizationError} for `prompt=none` when interaction is needed
 */
export async function nextStep(
  context: Pick<ServerContext, 'store' | 'accounts'>,
  request: AuthorizationRequest,
  freshLogin: Login | null,
  session: Login | null,
  now: number,
): Promise<NextStep> {
  const login = freshLogin ?? (session && sessionSatisfies(request, session, now) ? session : null);
  if (!login) {
    if (request.prompt.has('none')) {
      throw new AuthorizationError(
        'login_required',
        'the end-user must sign in, and prompt=none forbids asking',
        request.target,
      );
    }
    return { kind: 'login' };
  }
  // Every way of signing in ends here (password, passkey, mailed link, upstream provider, a session).
  if ((await context.store.findUserById(login.userId))?.disabledAt != null) {
    throw new AuthorizationError('access_denied', 'the account is disabled', request.target);
  }
  if (
    wantsMultiFactor(request.acrValues) &&
    !login.amr.includes('mfa') &&
    (await hasSecondFactor(context, login.userId))
  ) {
    if (request.prompt.has('none')) {
      throw new AuthorizationError(
        'interaction_required',
        'acr_values asks for a second factor, and prompt=none forbids asking',
        request.target,
      );
    }
    return { kind: 'second-factor', login };
  }
  if (await needsConsent(context, request, login.userId)) {
    if (request.prompt.has('none')) {
      throw new AuthorizationError(
        'consent_required',
        'the end-user must consent, and prompt=none forbids asking',
        request.target,
      );
    }
    return { kind: 'consent', login };
  }
  return { kind: 'issue-code', login };
}

function sessionSatisfies(request: AuthorizationRequest, session: Login, now: number): boolean {
  if (request.prompt.has('login')) return false;
  return request.maxAge === null || now - session.authTime <= request.maxAge;
}

async function needsConsent(
  context: Pick<ServerContext, 'store'>,
  request: AuthorizationRequest,
  userId: string,
): Promise<boolean> {
  if (request.prompt.has('consent')) return true;
  if (request.client.firstParty) return false;
  const consent = await context.store.findConsent(userId, request.client.clientId);
  return !consent || request.scopes.some((scope) => !consent.scopes.includes(scope));
}

import { hasSecondFactor } from '../accounts/second-factors.ts';
import {
  claimConsent,
  claimsBeyondScopes,
  consentCovers,
  requestedSubject,
} from '../claims/claims-request.ts';
import type { ServerContext } from '../context.ts';
import { acrFor, wantsMultiFactor } from '../interaction/authentication-methods.ts';
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
 * - sign in when there is no session, `prompt=login` asks for a fresh one, the session is older
 *   than `max_age` (OpenID Connect Core §3.1.2.1), or the claims request wants another `sub`
 *   (§5.5.1: a positive answer only for that user); `access_denied` when someone else signs in;
 * - a second factor when `acr_values` (or the claims request's `acr`) asks for "2" and the sign-in
 *   had one factor, if the user has one to give (OpenID Connect Core §3.1.2.1: acr_values is
 *   voluntary; without one it goes on at "1");
 * - `unmet_authentication_requirements` when the claims request marks `acr` essential and the
 *   sign-in's `acr` is not one it accepts (§5.5.1.1: a failed authentication);
 * - consent when the client is not first-party and the user has not granted every requested
 *   scope (and claim asked for on its own, §5.5) before, or `prompt=consent` asks again;
 * - `prompt=none` turns either need into `login_required` / `consent_required`.
 *
 * @throws {AuthorizationError} for `prompt=none` when interaction is needed
 */
export async function nextStep(
  context: Pick<ServerContext, 'store' | 'accounts' | 'subjects'>,
  request: AuthorizationRequest,
  freshLogin: Login | null,
  session: Login | null,
  now: number,
): Promise<NextStep> {
  const wantedSubject = requestedSubject(request.claims);
  const isWanted = (userId: string) =>
    wantedSubject === null || context.subjects.of(request.client, userId) === wantedSubject;
  const login =
    freshLogin ??
    (session && sessionSatisfies(request, session, now) && isWanted(session.userId) ? session : null);
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
  if (!isWanted(login.userId)) {
    throw new AuthorizationError(
      'access_denied',
      'the user who signed in is not the one the claims request names (id_token sub value)',
      request.target,
    );
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
  if (request.acrEssential) {
    const acr = acrFor(login.amr);
    if (acr === null || (request.acrValues.length > 0 && !request.acrValues.includes(acr))) {
      throw new AuthorizationError(
        'unmet_authentication_requirements',
        `the essential acr ${request.acrValues.join(' or ') || '(any)'} cannot be met: this sign-in is at ${acr ?? 'no known level'}`,
        request.target,
      );
    }
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
  return (
    !consent ||
    request.scopes.some((scope) => !consent.scopes.includes(scope)) ||
    claimsBeyondScopes(request.claims, request.scopes).some((claim) => !consentCovers(consent.scopes, claim))
  );
}

/**
 * What approving the consent page grants: the requested scopes, and each claim asked for on its
 * own (`claim:<name>`, OpenID Connect Core §5.5) that none of them releases.
 */
export function consentGrants(request: AuthorizationRequest): string[] {
  return [...request.scopes, ...claimsBeyondScopes(request.claims, request.scopes).map(claimConsent)];
}

import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import type { ServerContext } from '../context.ts';
import { parseUniqueParameters, readFormParameters } from '../http/body.ts';
import { currentSession, sessionCookieValue } from '../interaction/session.ts';
import { finishLogout } from '../logout/finish-logout.ts';
import { type LogoutRequest, validateLogoutRequest } from '../logout/logout-request.ts';
import { logoutConfirmPage } from '../pages/logout-pages.ts';
import { sha256 } from '../tokens/hash.ts';

type Context = Pick<
  ServerContext,
  | 'store'
  | 'issuer'
  | 'keys'
  | 'findClient'
  | 'secureCookies'
  | 'lifetimes'
  | 'subjects'
  | 'now'
  | 'backchannelLogouts'
>;

/** The CSRF token of the logout confirmation: derived from the session cookie only its browser holds. */
export function logoutCsrfToken(sessionCookie: string): string {
  return sha256(`logout:${sessionCookie}`);
}

/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0), GET or POST. A valid
 * `id_token_hint` naming the signed-in user ends the session at once; anything less asks the user
 * first (§2: a logout link from any site must not sign people out silently). Without a session
 * there is nothing to end, and the browser is sent on.
 */
export function endSessionEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const params =
        request.method === 'POST'
          ? await readFormParameters(request)
          : parseUniqueParameters(new URL(request.url).searchParams);
      const logout = await validateLogoutRequest(context, params);
      const session = await currentSession(context, request, context.now());
      const cookie = sessionCookieValue(context, request);
      if (!session || !cookie || (await namesSessionUser(context, logout, session.userId))) {
        return await finishLogout(context, request, logout);
      }
      const fields: Record<string, string> = { csrf_token: logoutCsrfToken(cookie) };
      for (const name of ['post_logout_redirect_uri', 'state', 'client_id', 'id_token_hint']) {
        if (params[name] !== undefined) fields[name] = params[name];
      }
      return logoutConfirmPage({ actionUrl: `${context.issuer}/end-session/confirm`, fields });
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

/**
 * Whether the `id_token_hint` names the session's user as its client sees them: the user id, or
 * the client's pairwise value (OpenID Connect Core §8).
 */
async function namesSessionUser(context: Context, logout: LogoutRequest, userId: string): Promise<boolean> {
  if (logout.hintedSubject === undefined) return false;
  const client = logout.hintedClientId === undefined ? null : await context.findClient(logout.hintedClientId);
  return logout.hintedSubject === (client ? context.subjects.of(client, userId) : userId);
}

import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { readFormParameters } from '../http/body.ts';
import { sessionCookieValue } from '../interaction/session.ts';
import { finishLogout } from '../logout/finish-logout.ts';
import { validateLogoutRequest } from '../logout/logout-request.ts';
import { constantTimeEqual } from '../tokens/hash.ts';
import { logoutCsrfToken } from './end-session.ts';

type Context = Pick<
  ServerContext,
  'store' | 'issuer' | 'keys' | 'findClient' | 'secureCookies' | 'backchannelLogouts'
>;

/**
 * `POST /end-session/confirm`: the user said yes on the logout page. The CSRF token must match
 * the session cookie this browser sends, and the logout request is validated again.
 */
export function endSessionConfirmEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const form = await readFormParameters(request);
      const cookie = sessionCookieValue(context, request);
      if (cookie && (!form.csrf_token || !constantTimeEqual(form.csrf_token, logoutCsrfToken(cookie)))) {
        throw new OAuthError(
          'invalid_request',
          'the sign-out form was not sent by this page (CSRF token mismatch)',
          {
            status: 403,
          },
        );
      }
      const { csrf_token: _, ...params } = form;
      return await finishLogout(context, request, await validateLogoutRequest(context, params));
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { withCookies } from '../interaction/cookies.ts';
import { endSession } from '../interaction/session.ts';
import { signedOutPage } from '../pages/logout-pages.ts';
import type { LogoutRequest } from './logout-request.ts';

/**
 * Ends the browser's session and sends it on: to the client's registered
 * `post_logout_redirect_uri` with its `state` (303), or to the signed-out page.
 */
export async function finishLogout(
  context: Pick<ServerContext, 'store' | 'secureCookies' | 'backchannelLogouts'>,
  request: Request,
  logout: LogoutRequest,
): Promise<Response> {
  const clearCookie = await endSession(context, request);
  if (!logout.postLogoutRedirectUri) return withCookies(signedOutPage(), [clearCookie]);
  const target = new URL(logout.postLogoutRedirectUri);
  if (logout.state !== undefined) target.searchParams.set('state', logout.state);
  return withCookies(seeOther(target.href), [clearCookie]);
}

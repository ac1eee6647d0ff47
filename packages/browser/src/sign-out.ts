import { endSessionUrl } from '@codegrant/client';
import type { Context } from './context.ts';
import { newState, type RequestKind, type RequestState } from './request-state.ts';

/**
 * What a sign-out may add to the logout request.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export interface SignoutArgs {
  /** Anything of the app's: back from `signoutCallback` after a redirect. */
  state?: unknown;
  /** Default: the signed-in user's ID token (the identity provider then signs out without asking). */
  id_token_hint?: string;
  /** More parameters (`ui_locales`, `logout_hint`, …). */
  extraQueryParams?: Record<string, string>;
}

/**
 * @internal An RP-initiated logout request: `id_token_hint`, `client_id`, and with a post-logout
 * redirect URI a `state` to check on the way back.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function createSignoutRequest(
  context: Context,
  kind: RequestKind,
  postLogoutRedirectUri: string | undefined,
  idTokenHint: string | undefined,
  args: SignoutArgs,
): { url: string; request: RequestState | undefined } {
  const parameters: Record<string, string> = { ...args.extraQueryParams };
  const hint = args.id_token_hint ?? idTokenHint;
  if (hint) parameters.id_token_hint = hint;
  let request: RequestState | undefined;
  if (postLogoutRedirectUri) {
    request = { state: newState(kind), created: Math.floor(Date.now() / 1000), data: args.state };
    parameters.post_logout_redirect_uri = postLogoutRedirectUri;
    parameters.state = request.state;
  }
  return { url: endSessionUrl(context.as, context.client, parameters, context.http).href, request };
}

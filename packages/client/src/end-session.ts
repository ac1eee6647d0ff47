import { endpointUrl } from './authorization-url.ts';
import type { HttpRequestOptions } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * The URL that logs the end-user out at the server (RP-Initiated Logout): pass `id_token_hint`,
 * `post_logout_redirect_uri` and `state` in `parameters`; `client_id` is added.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function endSessionUrl(
  as: AuthorizationServer,
  client: Client,
  parameters?: URLSearchParams | Record<string, string>,
  options?: HttpRequestOptions,
): URL {
  return endpointUrl(as, client, 'end_session_endpoint', parameters, options);
}

import { authorizationUrl } from '../authorization-url.ts';
import { endSessionUrl } from '../end-session.ts';
import { type Configuration, httpOf, stateOf } from './configuration.ts';

/**
 * The authorization request URL: `client_id`, `response_type=code` and the configured
 * `redirect_uri` are added unless given. Put the PKCE `code_challenge` (+ `code_challenge_method`
 * `S256`), `state`, `nonce` and `scope` in `parameters`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function buildAuthorizationUrl(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
): URL {
  const state = stateOf(config);
  return authorizationUrl(state.as, state.client, parameters, httpOf(state));
}

/**
 * The RP-Initiated Logout URL (`end_session_endpoint`), `client_id` added.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function buildEndSessionUrl(
  config: Configuration,
  parameters?: URLSearchParams | Record<string, string>,
): URL {
  const state = stateOf(config);
  return endSessionUrl(state.as, state.client, parameters, httpOf(state));
}

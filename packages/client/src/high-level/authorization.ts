import { authorizationUrl, endpointUrl, redirectUriOf } from '../authorization-url.ts';
import { endSessionUrl } from '../end-session.ts';
import { type DPoPRequestOptions, retryOnDPoPNonce } from '../http.ts';
import type { PrivateKey } from '../keys.ts';
import { processPushedAuthorizationResponse, pushedAuthorizationRequest } from '../pushed-authorization.ts';
import { issueRequestObject } from '../request-object.ts';
import type { Client } from '../types.ts';
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
 * The authorization request URL with the parameters signed into a request object (JAR, RFC 9101):
 * the URL carries only `client_id` and `request`, and the server verifies the parameters came
 * from the client (its registered keys). Defaults as in {@link buildAuthorizationUrl}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9101
 */
export async function buildAuthorizationUrlWithJAR(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
  signingKey: CryptoKey | PrivateKey,
): Promise<URL> {
  const state = stateOf(config);
  const request = await issueRequestObject(
    state.as,
    state.client,
    withDefaults(state.client, parameters),
    signingKey,
  );
  return endpointUrl(state.as, state.client, 'authorization_endpoint', { request }, httpOf(state));
}

/**
 * Pushes the authorization request to the server first (PAR, RFC 9126) and returns the URL that
 * starts it: the authorization endpoint with only `client_id` and the `request_uri` the server
 * gave. The parameters travel authenticated and unseen by the browser. `response_type=code` and
 * the configured `redirect_uri` are added unless given, as in {@link buildAuthorizationUrl};
 * `options.DPoP` binds the coming code to a key (RFC 9449 §10.1), retried once for a DPoP nonce.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126
 */
export async function buildAuthorizationUrlWithPAR(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
  options?: DPoPRequestOptions,
): Promise<URL> {
  const state = stateOf(config);
  const pushed = withDefaults(state.client, parameters);
  const http = httpOf(state, { clientAuthentication: state.auth, DPoP: options?.DPoP });
  const { request_uri: requestUri } = await retryOnDPoPNonce(options, async () =>
    processPushedAuthorizationResponse(
      await pushedAuthorizationRequest(state.as, state.client, pushed, http),
    ),
  );
  return endpointUrl(state.as, state.client, 'authorization_endpoint', { request_uri: requestUri }, http);
}

/** The parameters with `response_type=code` and the configured `redirect_uri` unless given. */
function withDefaults(client: Client, parameters: URLSearchParams | Record<string, string>): URLSearchParams {
  const params = new URLSearchParams(parameters);
  if (!params.has('response_type')) params.set('response_type', 'code');
  const redirectUri = redirectUriOf(client);
  if (!params.has('redirect_uri') && redirectUri) params.set('redirect_uri', redirectUri);
  return params;
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

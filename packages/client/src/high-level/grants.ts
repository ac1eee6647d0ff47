import type { IDTokenClaims } from '@codegrant/protocol';
import { validateAuthResponse } from '../callback.ts';
import type { AuthenticatedRequestOptions } from '../client-auth.ts';
import { type DPoPRequestOptions, retryOnDPoPNonce } from '../http.ts';
import type { expectNoState, skipStateCheck } from '../symbols.ts';
import { nopkce } from '../symbols.ts';
import { authorizationCodeGrantRequest } from '../token/authorization-code.ts';
import { clientCredentialsGrantRequest } from '../token/client-credentials.ts';
import { refreshTokenGrantRequest } from '../token/refresh.ts';
import {
  getValidatedIdTokenClaims,
  type ProcessTokenResponseOptions,
  processTokenResponse,
  type TokenEndpointResponse,
} from '../token/response.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import { authorizationRedirectUri } from './callback-url.ts';
import { type Configuration, httpOf, stateOf } from './configuration.ts';

/**
 * The helpers on every token response of the high-level functions.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface TokenEndpointResponseHelpers {
  /** The validated ID token claims, if the response had an ID token. */
  claims(): IDTokenClaims | undefined;
  /** Seconds until the access token expires (counted from the response), if `expires_in` was given. */
  expiresIn(): number | undefined;
}

/**
 * The checks of {@link authorizationCodeGrant} (openid-client's `AuthorizationCodeGrantChecks`).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
export interface AuthorizationCodeGrantChecks {
  /** The PKCE `code_verifier` of the authorization request (omit only if it sent no challenge). */
  pkceCodeVerifier?: string | undefined;
  /** The `state` of the authorization request; omitted: the response must carry none. */
  expectedState?: string | typeof skipStateCheck | typeof expectNoState | undefined;
  /** The `nonce` of the authorization request; omitted: the ID token must carry none. */
  expectedNonce?: string | undefined;
  /** The `max_age` of the authorization request: `auth_time` is checked against it. */
  maxAge?: number | undefined;
  /** An ID token must be returned (implied by `expectedNonce` and `maxAge`). */
  idTokenExpected?: boolean | undefined;
}

/**
 * Options of the grants: `DPoP` binds the tokens to a key (RFC 9449).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export interface DPoPOptions extends DPoPRequestOptions {}

/**
 * Options of {@link refreshTokenGrant}.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
export interface RefreshTokenGrantOptions extends DPoPOptions {
  /** The `sub` of the original ID token: a refreshed ID token must keep it (OIDC Core §12.2). */
  expectedSubject?: string | undefined;
}

/** @internal Adds the {@link TokenEndpointResponseHelpers}, not enumerable (JSON stays the server's). */
function withHelpers(response: TokenEndpointResponse): TokenEndpointResponse & TokenEndpointResponseHelpers {
  const expiresAt = response.expires_in === undefined ? undefined : Date.now() + response.expires_in * 1000;
  return Object.defineProperties(response, {
    claims: { value: () => getValidatedIdTokenClaims(response) },
    expiresIn: { value: () => expiresAt && Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)) },
  }) as TokenEndpointResponse & TokenEndpointResponseHelpers;
}

/** @internal Runs a token request (once more for a DPoP nonce) and checks its response. */
async function grant(
  config: Configuration,
  options: DPoPOptions | undefined,
  request: (as: AuthorizationServer, client: Client, http: AuthenticatedRequestOptions) => Promise<Response>,
  checks: ProcessTokenResponseOptions,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  const state = stateOf(config);
  const { as, client } = state;
  const http = { ...httpOf(state), DPoP: options?.DPoP, clientAuthentication: state.auth };
  return withHelpers(
    await retryOnDPoPNonce(options, async () =>
      processTokenResponse(as, client, await request(as, client, http), { ...http, ...checks }),
    ),
  );
}

/**
 * Completes the authorization code flow: validates the authorization response in `currentUrl`
 * (see {@link validateAuthResponse}), redeems the code at the token endpoint (retrying once for a
 * DPoP nonce) and validates the token response and ID token (see
 * {@link processAuthorizationCodeResponse}). The redirect URI sent is the configured
 * `redirect_uri` or else `currentUrl` without its query.
 *
 * @param currentUrl the callback URL, or the callback `Request`: a GET, or a POST `form_post`
 * @param tokenEndpointParameters more token request parameters, e.g. `resource` (RFC 8707)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
export async function authorizationCodeGrant(
  config: Configuration,
  currentUrl: URL | Request,
  checks: AuthorizationCodeGrantChecks = {},
  tokenEndpointParameters?: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  const { as, client } = stateOf(config);
  const [url, redirectUri] = await authorizationRedirectUri(currentUrl, client);
  const callback = validateAuthResponse(as, client, url, checks.expectedState);
  const { pkceCodeVerifier, expectedNonce, maxAge, idTokenExpected } = checks;
  return grant(
    config,
    options,
    (as, client, http) =>
      authorizationCodeGrantRequest(as, client, callback, redirectUri, pkceCodeVerifier ?? nopkce, {
        ...http,
        additionalParameters: tokenEndpointParameters,
      }),
    { expectedNonce, maxAge, requireIdToken: idTokenExpected },
  );
}

/**
 * Refreshes the tokens. A new ID token is validated; give `options.expectedSubject` (the original
 * `sub`) to require it to be the same end-user.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokens
 */
export function refreshTokenGrant(
  config: Configuration,
  refreshToken: string,
  parameters?: URLSearchParams | Record<string, string>,
  options?: RefreshTokenGrantOptions,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  return grant(
    config,
    options,
    (as, client, http) =>
      refreshTokenGrantRequest(as, client, refreshToken, { ...http, additionalParameters: parameters }),
    { expectedNonce: false, expectedSubject: options?.expectedSubject },
  );
}

/**
 * Gets an access token for the client itself (`scope`, `resource` in `parameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export function clientCredentialsGrant(
  config: Configuration,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  return grant(
    config,
    options,
    (as, client, http) => clientCredentialsGrantRequest(as, client, parameters, http),
    { expectedNonce: false },
  );
}

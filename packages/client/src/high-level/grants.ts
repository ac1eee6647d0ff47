import type { IDTokenClaims } from '@codegrant/protocol';
import { redirectUriOf } from '../authorization-url.ts';
import { validateAuthResponse } from '../callback.ts';
import type { AuthenticatedRequestOptions } from '../client-auth.ts';
import { type DPoPRequestOptions, retryOnDPoPNonce } from '../http.ts';
import type { expectNoState, skipStateCheck } from '../symbols.ts';
import { nopkce } from '../symbols.ts';
import { authorizationCodeGrantRequest } from '../token/authorization-code.ts';
import { clientCredentialsGrantRequest } from '../token/client-credentials.ts';
import { genericTokenEndpointRequest } from '../token/generic.ts';
import { refreshTokenGrantRequest } from '../token/refresh.ts';
import {
  getValidatedIdTokenClaims,
  type ProcessTokenResponseOptions,
  processTokenResponse,
  type TokenEndpointResponse,
} from '../token/response.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import { callbackUrl } from './callback-url.ts';
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
  /**
   * Do not verify the ID token's signature (openid-client's default): the token comes straight from
   * the token endpoint over TLS (OIDC Core §3.1.3.7 step 6). Every other check stays.
   */
  skipIdTokenSignatureCheck?: boolean | undefined;
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
  /** As in {@link AuthorizationCodeGrantChecks}: do not verify a new ID token's signature. */
  skipIdTokenSignatureCheck?: boolean | undefined;
}

/** When each response's access token expires (ms since the epoch), for `expiresIn()`. */
const expiries = new WeakMap<TokenEndpointResponse, number>();

/**
 * The {@link TokenEndpointResponseHelpers}, on the prototype of every response the high-level
 * functions return: not enumerable, so its JSON stays the server's, and cheaper than defining two
 * closures on each response.
 */
const helpers: TokenEndpointResponseHelpers = {
  claims(this: TokenEndpointResponse) {
    return getValidatedIdTokenClaims(this);
  },
  expiresIn(this: TokenEndpointResponse) {
    const expiresAt = expiries.get(this);
    return expiresAt && Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  },
};

/** @internal Adds the {@link TokenEndpointResponseHelpers}. */
function withHelpers(response: TokenEndpointResponse): TokenEndpointResponse & TokenEndpointResponseHelpers {
  if (response.expires_in !== undefined) expiries.set(response, Date.now() + response.expires_in * 1000);
  return Object.setPrototypeOf(response, helpers);
}

/** @internal Runs a token request (once more for a DPoP nonce) and checks its response. */
export async function grant(
  config: Configuration,
  options: DPoPOptions | undefined,
  request: (
    as: AuthorizationServer,
    client: Client,
    options: AuthenticatedRequestOptions & ProcessTokenResponseOptions,
  ) => Promise<Response>,
  checks: ProcessTokenResponseOptions & Pick<AuthenticatedRequestOptions, 'additionalParameters'>,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  const state = stateOf(config);
  const { as, client } = state;
  // One object serves both halves: the request reads its transport keys, the response its checks.
  const all = httpOf(state, { DPoP: options?.DPoP, clientAuthentication: state.auth, ...checks });
  return withHelpers(
    await retryOnDPoPNonce(options, async () =>
      processTokenResponse(as, client, await request(as, client, all), all),
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
  // A URL is only read, not copied (nor awaited: most callers pass one).
  const url = currentUrl instanceof URL ? currentUrl : await callbackUrl(currentUrl);
  // The configured redirect URI, else openid-client's rule: the callback URL without query and fragment.
  const redirectUri = redirectUriOf(client) ?? url.href.replace(/[?#].*/, '');
  const callback = validateAuthResponse(as, client, url, checks.expectedState);
  const { pkceCodeVerifier, expectedNonce, maxAge, idTokenExpected, skipIdTokenSignatureCheck } = checks;
  return grant(
    config,
    options,
    (as, client, all) =>
      authorizationCodeGrantRequest(as, client, callback, redirectUri, pkceCodeVerifier ?? nopkce, all),
    {
      expectedNonce,
      maxAge,
      requireIdToken: idTokenExpected,
      skipIdTokenSignatureCheck,
      additionalParameters: tokenEndpointParameters,
    },
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
    (as, client, all) => refreshTokenGrantRequest(as, client, refreshToken, all),
    {
      expectedNonce: false,
      expectedSubject: options?.expectedSubject,
      skipIdTokenSignatureCheck: options?.skipIdTokenSignatureCheck,
      additionalParameters: parameters,
    },
  );
}

/**
 * A token request of any grant type, e.g. token exchange (RFC 8693: `subject_token`,
 * `subject_token_type`, `actor_token`, `audience`, `resource`, `scope` in `parameters`). An ID
 * token in the response is validated like a refresh's.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
export function genericGrantRequest(
  config: Configuration,
  grantType: string,
  parameters: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  return grant(
    config,
    options,
    (as, client, all) => genericTokenEndpointRequest(as, client, grantType, parameters, all),
    { expectedNonce: false },
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
    (as, client, all) => clientCredentialsGrantRequest(as, client, parameters, all),
    { expectedNonce: false },
  );
}

import { type AuthenticatedRequestOptions, authenticatedPost } from '../client-auth.ts';
import { endpoint } from '../http.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import {
  type ProcessTokenResponseOptions,
  processTokenResponse,
  type TokenEndpointResponse,
} from './response.ts';

/**
 * Asks the token endpoint for fresh tokens with a refresh token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function refreshTokenGrantRequest(
  as: AuthorizationServer,
  client: Client,
  refreshToken: string,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  if (typeof refreshToken !== 'string' || !refreshToken) throw new TypeError('invalid "refreshToken"');
  const parameters = { grant_type: 'refresh_token', refresh_token: refreshToken };
  return authenticatedPost(as, client, endpoint(as, 'token_endpoint'), parameters, options);
}

/**
 * Options of {@link processRefreshTokenResponse}.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
export interface ProcessRefreshTokenResponseOptions
  extends Omit<ProcessTokenResponseOptions, 'expectedNonce' | 'maxAge' | 'requireIdToken'> {
  /** The `sub` of the original ID token: a refreshed ID token must have the same (OIDC Core §12.2). */
  expectedSubject?: string | undefined;
}

/**
 * Reads the response of {@link refreshTokenGrantRequest}: the token response checks; a new ID token
 * is validated (its `nonce` is not compared) and, given `expectedSubject`, must keep the `sub`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
export function processRefreshTokenResponse(
  as: AuthorizationServer,
  client: Client,
  response: Response,
  options?: ProcessRefreshTokenResponseOptions,
): Promise<TokenEndpointResponse> {
  return processTokenResponse(as, client, response, { ...options, expectedNonce: false });
}

import { isValidCodeVerifier } from '@codegrant/protocol';
import { CallbackParameters } from '../callback.ts';
import { type AuthenticatedRequestOptions, authenticatedPost } from '../client-auth.ts';
import { endpoint } from '../http.ts';
import { nopkce } from '../symbols.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import {
  type ProcessTokenResponseOptions,
  processTokenResponse,
  type TokenEndpointResponse,
} from './response.ts';

/**
 * Redeems the code of a validated authorization response at the token endpoint, with the PKCE
 * verifier and the redirect URI of the authorization request. The client authenticates as its
 * `token_endpoint_auth_method` and `client_secret` say, or as `options.clientAuthentication`.
 *
 * @param callbackParameters what {@link validateAuthResponse} returned
 * @param codeVerifier the PKCE `code_verifier`, or {@link nopkce} when the request had no challenge
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export async function authorizationCodeGrantRequest(
  as: AuthorizationServer,
  client: Client,
  callbackParameters: CallbackParameters,
  redirectUri: string,
  codeVerifier: string | typeof nopkce,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  if (!(callbackParameters instanceof CallbackParameters)) {
    throw new TypeError('"callbackParameters" must come from validateAuthResponse');
  }
  const parameters: Record<string, string> = {
    code: callbackParameters.get('code')!,
    redirect_uri: redirectUri,
  };
  if (codeVerifier !== nopkce) {
    if (!isValidCodeVerifier(codeVerifier)) throw new TypeError('invalid "codeVerifier"');
    parameters.code_verifier = codeVerifier;
  }
  parameters.grant_type = 'authorization_code';
  return authenticatedPost(as, client, endpoint(as, 'token_endpoint'), parameters, options);
}

/**
 * Reads the response of {@link authorizationCodeGrantRequest}: the token response checks and, when
 * an ID token is present (required with `requireIdToken`, `expectedNonce` or `maxAge`), its full
 * validation; `expectedNonce` absent means the ID token must carry no `nonce`.
 *
 * @throws {ClientError} see {@link ClientErrorCode}; `ERR_SERVER_ERROR` exposes the server's `error`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponseValidation
 */
export function processAuthorizationCodeResponse(
  as: AuthorizationServer,
  client: Client,
  response: Response,
  options?: ProcessTokenResponseOptions,
): Promise<TokenEndpointResponse> {
  return processTokenResponse(as, client, response, options);
}

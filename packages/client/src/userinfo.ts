import type { StandardClaims } from '@codegrant/protocol';
import { challengeOf } from './challenge.ts';
import { mismatch, show } from './errors.ts';
import { endpoint, readJson } from './http.ts';
import { type ProtectedResourceRequestOptions, protectedResourceRequest } from './protected-resource.ts';
import { skipSubjectCheck } from './symbols.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * The claims UserInfo returns (OpenID Connect Core §5.3.2).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export type UserInfoResponse = StandardClaims;

/**
 * Asks the UserInfo endpoint for the end-user's claims with an access token (Bearer or DPoP).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoRequest
 */
export async function userInfoRequest(
  as: AuthorizationServer,
  _client: Client,
  accessToken: string,
  options?: ProtectedResourceRequestOptions,
): Promise<Response> {
  const url = new URL(endpoint(as, 'userinfo_endpoint'));
  return protectedResourceRequest(
    accessToken,
    'GET',
    url,
    new Headers({ accept: 'application/json' }),
    undefined,
    options,
  );
}

/**
 * Reads a UserInfo response: HTTP 200 (else the error of the body or of the `WWW-Authenticate`
 * challenge), a JSON object (signed or encrypted UserInfo is not supported), `sub` equal to the
 * `sub` of the ID token (OpenID Connect Core §5.3.4: it must be checked to prevent token
 * substitution) unless {@link skipSubjectCheck}.
 *
 * @throws {ClientError} `ERR_SUBJECT_MISMATCH`, `ERR_SERVER_ERROR`, `ERR_NOT_JSON`, `ERR_INVALID_RESPONSE`
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export async function processUserInfoResponse(
  _as: AuthorizationServer,
  _client: Client,
  expectedSubject: string | typeof skipSubjectCheck,
  response: Response,
): Promise<UserInfoResponse> {
  const what = 'userinfo endpoint';
  const claims = await readJson(response, what, 200, challengeOf(response));
  if (typeof claims.sub !== 'string' || !claims.sub)
    mismatch('ERR_INVALID_RESPONSE', `${what} sub`, 'a string', claims.sub);
  if (expectedSubject !== skipSubjectCheck && claims.sub !== expectedSubject) {
    mismatch('ERR_SUBJECT_MISMATCH', `${what} sub`, show(expectedSubject), claims.sub);
  }
  return claims as UserInfoResponse;
}

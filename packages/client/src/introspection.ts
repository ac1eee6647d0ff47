import type { JWTAccessTokenClaims } from '@codegrant/protocol';
import { type AuthenticatedRequestOptions, authenticatedPost } from './client-auth.ts';
import { mismatch } from './errors.ts';
import { endpoint, readJson } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * An introspection response (RFC 7662 §2.2): `active`, and for active tokens their claims.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export interface IntrospectionResponse extends Partial<JWTAccessTokenClaims> {
  active: boolean;
  token_type?: string;
  username?: string;
  cnf?: { jkt?: string };
}

/**
 * Asks the server about a token (`token_type_hint` in `options.additionalParameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export async function introspectionRequest(
  as: AuthorizationServer,
  client: Client,
  token: string,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  if (typeof token !== 'string' || !token) throw new TypeError('invalid "token"');
  return authenticatedPost(as, client, endpoint(as, 'introspection_endpoint'), { token }, options);
}

/**
 * Reads an introspection response: HTTP 200, a JSON object with a boolean `active`.
 *
 * @throws {ClientError} `ERR_INVALID_RESPONSE`, `ERR_SERVER_ERROR`, `ERR_NOT_JSON`
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export async function processIntrospectionResponse(
  _as: AuthorizationServer,
  _client: Client,
  response: Response,
): Promise<IntrospectionResponse> {
  const body = await readJson(response, 'introspection endpoint');
  if (typeof body.active !== 'boolean')
    mismatch('ERR_INVALID_RESPONSE', 'introspection response active', 'a boolean', body.active);
  return body as unknown as IntrospectionResponse;
}

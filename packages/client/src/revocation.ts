import { type AuthenticatedRequestOptions, authenticatedPost } from './client-auth.ts';
import { endpoint, readJson } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * Revokes a refresh or access token (`token_type_hint` in `options.additionalParameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revocationRequest(
  as: AuthorizationServer,
  client: Client,
  token: string,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  if (typeof token !== 'string' || !token) throw new TypeError('invalid "token"');
  return authenticatedPost(as, client, endpoint(as, 'revocation_endpoint'), { token }, options);
}

/**
 * Reads a revocation response: HTTP 200 (an unknown or already revoked token is also 200).
 *
 * @throws {ClientError} `ERR_SERVER_ERROR` (e.g. `unsupported_token_type`), `ERR_UNEXPECTED_STATUS`
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 */
export async function processRevocationResponse(response: Response): Promise<undefined> {
  // Any status but 200 throws, with the server's error if it gave one.
  if (response.status !== 200) await readJson(response, 'revocation endpoint');
  return undefined;
}

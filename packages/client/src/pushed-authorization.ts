import { type AuthenticatedRequestOptions, authenticatedPost } from './client-auth.ts';
import { fail } from './errors.ts';
import { endpoint, readJson } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/** A pushed authorization request's answer (RFC 9126 §2.2). */
export interface PushedAuthorizationResponse {
  /** The reference to send to the authorization endpoint, with `client_id`, instead of the parameters. */
  request_uri: string;
  /** Seconds the `request_uri` can be used. */
  expires_in: number;
  [parameter: string]: unknown;
}

/**
 * Pushes an authorization request's `parameters` to the server's
 * `pushed_authorization_request_endpoint`, the client authenticated as at the token endpoint (and
 * DPoP-bound with `options.DPoP`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.1
 */
export async function pushedAuthorizationRequest(
  as: AuthorizationServer,
  client: Client,
  parameters: URLSearchParams | Record<string, string>,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  const body = new URLSearchParams(parameters);
  if (!body.has('client_id')) body.set('client_id', client.client_id);
  return authenticatedPost(as, client, endpoint(as, 'pushed_authorization_request_endpoint'), body, options);
}

/**
 * Reads a pushed authorization response: HTTP 201 with a `request_uri` and a positive `expires_in`.
 *
 * @throws {ClientError} `ERR_SERVER_ERROR` with the server's error, `ERR_UNEXPECTED_STATUS`,
 *   `ERR_INVALID_RESPONSE` for a body without them
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 */
export async function processPushedAuthorizationResponse(
  response: Response,
): Promise<PushedAuthorizationResponse> {
  const body = await readJson(response, 'pushed authorization request endpoint', 201);
  if (typeof body.request_uri !== 'string' || !body.request_uri) {
    fail('ERR_INVALID_RESPONSE', 'the pushed authorization response has no request_uri', { response });
  }
  if (typeof body.expires_in !== 'number' || !(body.expires_in > 0)) {
    fail('ERR_INVALID_RESPONSE', 'the pushed authorization response has no positive expires_in', {
      response,
    });
  }
  return body as PushedAuthorizationResponse;
}

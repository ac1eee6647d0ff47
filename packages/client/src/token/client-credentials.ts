import { type AuthenticatedRequestOptions, authenticatedPost } from '../client-auth.ts';
import { endpoint, type HttpRequestOptions } from '../http.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import { processTokenResponse, type TokenEndpointResponse } from './response.ts';

/**
 * Asks the token endpoint for an access token on the client's own behalf (`scope`, `resource`, …
 * in `parameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function clientCredentialsGrantRequest(
  as: AuthorizationServer,
  client: Client,
  parameters?: URLSearchParams | Record<string, string> | string[][],
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  const body = new URLSearchParams(parameters);
  body.set('grant_type', 'client_credentials');
  return authenticatedPost(as, client, endpoint(as, 'token_endpoint'), body, options);
}

/**
 * Reads the response of {@link clientCredentialsGrantRequest} (the token response checks).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.3
 */
export function processClientCredentialsResponse(
  as: AuthorizationServer,
  client: Client,
  response: Response,
  options?: HttpRequestOptions,
): Promise<TokenEndpointResponse> {
  return processTokenResponse(as, client, response, { ...options, expectedNonce: false });
}

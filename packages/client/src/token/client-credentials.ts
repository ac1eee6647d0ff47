import type { AuthenticatedRequestOptions } from '../client-auth.ts';
import type { HttpRequestOptions } from '../http.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import { genericTokenEndpointRequest } from './generic.ts';
import { processTokenResponse, type TokenEndpointResponse } from './response.ts';

/**
 * Asks the token endpoint for an access token on the client's own behalf (`scope`, `resource`, …
 * in `parameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export function clientCredentialsGrantRequest(
  as: AuthorizationServer,
  client: Client,
  parameters?: URLSearchParams | Record<string, string> | string[][],
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  return genericTokenEndpointRequest(as, client, 'client_credentials', parameters, options);
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

import { type AuthenticatedRequestOptions, authenticatedPost } from '../client-auth.ts';
import { endpoint } from '../http.ts';
import type { AuthorizationServer, Client } from '../types.ts';

/**
 * A token request of any grant type (`grant_type` set to `grantType`, the rest in `parameters`),
 * the client authenticated: for extension grants such as token exchange (RFC 8693). Read its
 * response with `processGenericTokenEndpointResponse`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.5
 */
export async function genericTokenEndpointRequest(
  as: AuthorizationServer,
  client: Client,
  grantType: string,
  parameters?: URLSearchParams | Record<string, string> | string[][],
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  if (typeof grantType !== 'string' || !grantType)
    throw new TypeError('"grantType" must be a non-empty string');
  const body = new URLSearchParams(parameters);
  body.set('grant_type', grantType);
  return authenticatedPost(as, client, endpoint(as, 'token_endpoint'), body, options);
}

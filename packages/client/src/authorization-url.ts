import { checkUrl, endpoint, type HttpRequestOptions } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * @internal An endpoint URL with `parameters` added to its query (kept, RFC 6749 §3.1) and
 * `client_id` set when absent.
 */
export function endpointUrl(
  as: AuthorizationServer,
  client: Client,
  name: string,
  parameters: URLSearchParams | Record<string, string> | undefined,
  options?: HttpRequestOptions,
): URL {
  const url = checkUrl(new URL(endpoint(as, name)), options);
  const params = new URLSearchParams(parameters);
  if (!params.has('client_id')) params.set('client_id', client.client_id);
  for (const [key, value] of params) url.searchParams.set(key, value);
  return url;
}

/**
 * The URL that starts an authorization request: `client_id`, `response_type=code` and the client's
 * `redirect_uri` unless `parameters` give them; add `code_challenge` (PKCE, RFC 7636), `state` and
 * `nonce` yourself (see {@link randomPKCECodeVerifier}, {@link randomState}, {@link randomNonce}).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export function authorizationUrl(
  as: AuthorizationServer,
  client: Client,
  parameters: URLSearchParams | Record<string, string>,
  options?: HttpRequestOptions,
): URL {
  const params = new URLSearchParams(parameters);
  if (!params.has('response_type')) params.set('response_type', 'code');
  const redirectUri = redirectUriOf(client);
  if (!params.has('redirect_uri') && redirectUri) params.set('redirect_uri', redirectUri);
  return endpointUrl(as, client, 'authorization_endpoint', params, options);
}

/** @internal The redirect URI a client configured: `redirect_uri`, or its only `redirect_uris` entry. */
export function redirectUriOf(client: Client): string | undefined {
  const uris = client.redirect_uris;
  return client.redirect_uri ?? (uris?.length === 1 ? uris[0] : undefined);
}

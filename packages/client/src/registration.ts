import { mismatch } from './errors.ts';
import { type DPoPRequestOptions, endpoint, type HttpRequestOptions, readJson, send } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * Options of {@link dynamicClientRegistrationRequest}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export interface DynamicClientRegistrationRequestOptions extends HttpRequestOptions, DPoPRequestOptions {
  /** The initial access token the server requires, if any (RFC 7591 §3). */
  initialAccessToken?: string | undefined;
}

/**
 * Registers a client: its metadata as JSON at the `registration_endpoint`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientRegistration
 */
export async function dynamicClientRegistrationRequest(
  as: AuthorizationServer,
  metadata: Partial<Client>,
  options: DynamicClientRegistrationRequestOptions = {},
): Promise<Response> {
  const headers = new Headers({ accept: 'application/json', 'content-type': 'application/json' });
  const token = options.initialAccessToken;
  if (token) headers.set('authorization', `${options.DPoP ? 'DPoP' : 'Bearer'} ${token}`);
  return send(
    endpoint(as, 'registration_endpoint'),
    'POST',
    headers,
    JSON.stringify(metadata),
    options,
    token,
  );
}

/**
 * Reads a registration response: HTTP 201, a JSON object with a `client_id`.
 *
 * @throws {ClientError} `ERR_SERVER_ERROR` (e.g. `invalid_redirect_uri`), `ERR_INVALID_RESPONSE`
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export async function processDynamicClientRegistrationResponse(response: Response): Promise<Client> {
  const client = await readJson(response, 'registration endpoint', 201);
  if (typeof client.client_id !== 'string' || !client.client_id) {
    mismatch('ERR_INVALID_RESPONSE', 'registration response client_id', 'a string', client.client_id);
  }
  return client as Client;
}

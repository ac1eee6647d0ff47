import { type AuthenticatedRequestOptions, authenticatedPost } from './client-auth.ts';
import { mismatch } from './errors.ts';
import { endpoint, readJson } from './http.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * A device authorization response (RFC 8628 §3.2): what the device shows the user, and what it
 * polls the token endpoint with.
 */
export interface DeviceAuthorizationResponse {
  /** The code the device polls the token endpoint with; never shown to the user. */
  device_code: string;
  /** The code the user types at `verification_uri`. */
  user_code: string;
  /** Where the user goes, on another device, to enter `user_code`. */
  verification_uri: string;
  /** `verification_uri` with the user code in it (for a QR code or a link), if the server gives one. */
  verification_uri_complete?: string;
  /** Seconds the device code and user code live. */
  expires_in: number;
  /** Seconds to wait between polls: the server's, or 5 when it gives none (RFC 8628 §3.2). */
  interval: number;
  [parameter: string]: unknown;
}

/**
 * Starts the device authorization grant at the server's `device_authorization_endpoint`:
 * `parameters` (e.g. `scope`) sent with the client authenticated as at the token endpoint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export async function deviceAuthorizationRequest(
  as: AuthorizationServer,
  client: Client,
  parameters?: URLSearchParams | Record<string, string>,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  const body = new URLSearchParams(parameters);
  if (!body.has('client_id')) body.set('client_id', client.client_id);
  return authenticatedPost(as, client, endpoint(as, 'device_authorization_endpoint'), body, options);
}

/** Whether a value is a string that parses as an absolute URL. */
const isAbsoluteUrl = (value: unknown): value is string => typeof value === 'string' && URL.canParse(value);

/**
 * Reads a device authorization response: HTTP 200, a JSON object with a `device_code`, a
 * `user_code`, a `verification_uri` (an absolute URL), a positive `expires_in`, and, when present,
 * a `verification_uri_complete` (an absolute URL) and a positive `interval`; `interval` defaults
 * to 5. (`as` and `client` are taken for oauth4webapi's signature.)
 *
 * @throws {ClientError} `ERR_SERVER_ERROR` with the server's `error`, `ERR_UNEXPECTED_STATUS`,
 *   `ERR_NOT_JSON`, `ERR_INVALID_RESPONSE` naming the member that is missing or malformed
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export async function processDeviceAuthorizationResponse(
  _as: AuthorizationServer,
  _client: Client,
  response: Response,
): Promise<DeviceAuthorizationResponse> {
  const what = 'device authorization response';
  const body = await readJson(response, 'device authorization endpoint');
  for (const name of ['device_code', 'user_code']) {
    if (typeof body[name] !== 'string' || !body[name])
      mismatch('ERR_INVALID_RESPONSE', `${what} ${name}`, 'a non-empty string', body[name]);
  }
  if (!isAbsoluteUrl(body.verification_uri))
    mismatch('ERR_INVALID_RESPONSE', `${what} verification_uri`, 'an absolute URL', body.verification_uri);
  const { verification_uri_complete: complete } = body;
  if (complete !== undefined && !isAbsoluteUrl(complete))
    mismatch('ERR_INVALID_RESPONSE', `${what} verification_uri_complete`, 'an absolute URL', complete);
  for (const name of ['expires_in', 'interval']) {
    const value = body[name];
    if ((value !== undefined || name === 'expires_in') && !(Number.isFinite(value) && (value as number) > 0))
      mismatch('ERR_INVALID_RESPONSE', `${what} ${name}`, 'a positive number', value);
  }
  body.interval ??= 5;
  return body as DeviceAuthorizationResponse;
}

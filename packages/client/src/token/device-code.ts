import type { AuthenticatedRequestOptions } from '../client-auth.ts';
import type { AuthorizationServer, Client } from '../types.ts';
import { genericTokenEndpointRequest } from './generic.ts';
import {
  type ProcessTokenResponseOptions,
  processTokenResponse,
  type TokenEndpointResponse,
} from './response.ts';

/**
 * The grant type of the device authorization grant's token requests.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
export const deviceCodeGrantType = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Polls the token endpoint once with the `device_code` of a device authorization response. Until
 * the user has decided, the server answers an error: see {@link processDeviceCodeResponse}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
export function deviceCodeGrantRequest(
  as: AuthorizationServer,
  client: Client,
  deviceCode: string,
  options?: AuthenticatedRequestOptions,
): Promise<Response> {
  if (typeof deviceCode !== 'string' || !deviceCode) throw new TypeError('invalid "deviceCode"');
  return genericTokenEndpointRequest(as, client, deviceCodeGrantType, { device_code: deviceCode }, options);
}

/**
 * Reads the response of {@link deviceCodeGrantRequest} with the token response checks, the ID
 * token validated as after the authorization code flow (`expectedNonce` absent: it must carry no
 * `nonce`). The answers of a poll that is not done yet are `ClientError`s with code
 * `ERR_SERVER_ERROR` and the server's `error`: `authorization_pending` (poll again after the
 * interval), `slow_down` (poll again, 5 s slower from now on), `access_denied` and
 * `expired_token` (stop).
 *
 * @throws {ClientError} see {@link ClientErrorCode}
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export function processDeviceCodeResponse(
  as: AuthorizationServer,
  client: Client,
  response: Response,
  options?: ProcessTokenResponseOptions,
): Promise<TokenEndpointResponse> {
  return processTokenResponse(as, client, response, options);
}

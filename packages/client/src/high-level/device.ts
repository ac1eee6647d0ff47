import {
  type DeviceAuthorizationResponse,
  deviceAuthorizationRequest,
  processDeviceAuthorizationResponse,
} from '../device-authorization.ts';
import { ClientError, fail } from '../errors.ts';
import { defaultTimeout } from '../http.ts';
import { deviceCodeGrantRequest } from '../token/device-code.ts';
import type { TokenEndpointResponse } from '../token/response.ts';
import { type Configuration, httpOf, stateOf } from './configuration.ts';
import { type DPoPOptions, grant, type TokenEndpointResponseHelpers } from './grants.ts';

/**
 * Options of {@link pollDeviceAuthorizationGrant} (openid-client's
 * `DeviceAuthorizationGrantPollOptions`): `DPoP` binds the tokens to a key (RFC 9449).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
export interface DeviceAuthorizationGrantPollOptions extends DPoPOptions {
  /** Stops the polling, the pending wait or request included, rejecting with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * Starts the device authorization grant: asks the server's `device_authorization_endpoint` for a
 * device code and a user code (`scope` and other `parameters` sent with the client authenticated).
 * Show the user `user_code` and `verification_uri` (or `verification_uri_complete`), then call
 * {@link pollDeviceAuthorizationGrant}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export async function initiateDeviceAuthorization(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
): Promise<DeviceAuthorizationResponse> {
  const state = stateOf(config);
  const { as, client } = state;
  const http = httpOf(state, { clientAuthentication: state.auth });
  return processDeviceAuthorizationResponse(
    as,
    client,
    await deviceAuthorizationRequest(as, client, parameters, http),
  );
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Polls the token endpoint until the user has approved the device on their other device, and
 * returns the tokens (their ID token validated, with `claims()`). It waits `interval` seconds
 * before each poll; keeps polling on `authorization_pending`; on `slow_down` waits 5 s longer for
 * this and every later poll; retries a poll once for a DPoP nonce. It stops with the server's
 * error (`ERR_SERVER_ERROR`, e.g. `access_denied`, `expired_token`), with `ERR_TIMEOUT` once the
 * next poll would come after `expires_in` (counted from this call), or with the reason of
 * `options.signal` when it aborts.
 *
 * @param parameters more token request parameters, e.g. `resource` (RFC 8707)
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export async function pollDeviceAuthorizationGrant(
  config: Configuration,
  deviceAuthorizationResponse: DeviceAuthorizationResponse,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DeviceAuthorizationGrantPollOptions,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
  const state = stateOf(config);
  const { device_code: deviceCode, expires_in: expiresIn } = deviceAuthorizationResponse;
  const expiresAt = Date.now() + expiresIn * 1000;
  // `?? 5`: a response that did not come from processDeviceAuthorizationResponse may lack it.
  let interval = deviceAuthorizationResponse.interval ?? 5;
  const signal = options?.signal;
  for (;;) {
    if (Date.now() + interval * 1000 > expiresAt)
      fail('ERR_TIMEOUT', `the device code expires (expires_in ${expiresIn} s) before the next poll`);
    await wait(interval * 1000, signal);
    // The caller's signal replaces the request timeout in `send`: combine them, so that a hung poll
    // still times out.
    const timeout = signal && AbortSignal.timeout((state.timeout ?? defaultTimeout) * 1000);
    try {
      return await grant(
        config,
        options,
        (as, client, all) => deviceCodeGrantRequest(as, client, deviceCode, all),
        { additionalParameters: parameters, signal: timeout && AbortSignal.any([signal, timeout]) },
      );
    } catch (err) {
      if (!(err instanceof ClientError)) throw err;
      if (err.error === 'slow_down') interval += 5;
      else if (err.error !== 'authorization_pending') throw err;
    }
  }
}

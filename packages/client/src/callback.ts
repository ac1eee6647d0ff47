import { fail, mismatch, show } from './errors.ts';
import { expectNoState, skipStateCheck } from './symbols.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * Authorization response parameters that passed {@link validateAuthResponse}: the only kind
 * {@link authorizationCodeGrantRequest} accepts.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export class CallbackParameters extends URLSearchParams {}

/**
 * Checks the parameters of an authorization response (the redirect back to the client), in order:
 * each parameter at most once (RFC 6749 §3.1); `iss` equal to the issuer, and present when the
 * server advertises `authorization_response_iss_parameter_supported` (RFC 9207 §2.4, the mix-up
 * defence); `state` exactly as expected, absent when none was sent (RFC 6749 §10.12); no `error`
 * (RFC 6749 §4.1.2.1); a `code`.
 *
 * @param expectedState the `state` of the authorization request, {@link expectNoState} (default)
 *   or {@link skipStateCheck}
 * @throws {ClientError} `ERR_DUPLICATE_PARAMETER`, `ERR_ISS_MISSING`, `ERR_ISS_MISMATCH`,
 *   `ERR_STATE_MISMATCH`, `ERR_AUTHORIZATION_ERROR` (with `error`, `error_description`, `error_uri`),
 *   `ERR_CODE_MISSING`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function validateAuthResponse(
  as: AuthorizationServer,
  _client: Client,
  parameters: URLSearchParams | URL,
  expectedState: string | typeof expectNoState | typeof skipStateCheck = expectNoState,
): CallbackParameters {
  const search = parameters instanceof URL ? parameters.searchParams : parameters;
  if (!(search instanceof URLSearchParams))
    throw new TypeError('"parameters" must be a URL or URLSearchParams');
  // RFC 6749 §3.1: no parameter twice; empty ones count as absent (protocol's uniqueParameters
  // does the same with its own error type: inlined to keep the browser bundle small).
  const params: Record<string, string> = {};
  const seen = new Set<string>();
  search.forEach((value, name) => {
    if (seen.has(name))
      fail('ERR_DUPLICATE_PARAMETER', `authorization response: ${name} appears more than once`);
    seen.add(name);
    if (value) params[name] = value;
  });
  const { iss, state, error, error_description, error_uri, code } = params;
  if (iss === undefined && as.authorization_response_iss_parameter_supported) {
    fail('ERR_ISS_MISSING', `authorization response: iss is missing but ${as.issuer} promises it (RFC 9207)`);
  }
  if (iss !== undefined && iss !== as.issuer)
    mismatch('ERR_ISS_MISMATCH', 'authorization response iss', show(as.issuer), iss);
  const expected = expectedState === expectNoState ? undefined : expectedState;
  if (expected !== skipStateCheck && state !== expected) {
    mismatch('ERR_STATE_MISMATCH', 'authorization response state', show(expected), state);
  }
  if (error) {
    fail(
      'ERR_AUTHORIZATION_ERROR',
      `authorization response: ${error}${error_description ? `: ${error_description}` : ''}`,
      {
        error,
        error_description,
        error_uri,
      },
    );
  }
  if (!code) fail('ERR_CODE_MISSING', 'authorization response: code is missing');
  return new CallbackParameters(params);
}

/**
 * Every check this library makes has a stable code, so callers `switch (err.code)` instead of
 * matching messages.
 *
 * - transport: `ERR_INSECURE_REQUEST` (an `http:` URL without `allowInsecureRequests`),
 *   `ERR_TIMEOUT` (also: a device code's `expires_in` passed while polling),
 *   `ERR_MISSING_METADATA` (the server advertises no such endpoint)
 * - responses: `ERR_UNEXPECTED_STATUS`, `ERR_NOT_JSON`, `ERR_INVALID_RESPONSE` (a member missing or
 *   malformed), `ERR_SERVER_ERROR` (the server answered an OAuth `error`, see {@link ClientError.error})
 * - discovery: `ERR_ISSUER_MISMATCH`
 * - callback: `ERR_DUPLICATE_PARAMETER`, `ERR_ISS_MISSING`, `ERR_ISS_MISMATCH`, `ERR_STATE_MISMATCH`,
 *   `ERR_AUTHORIZATION_ERROR` (the server sent `error`), `ERR_CODE_MISSING`
 * - JWTs: `ERR_ID_TOKEN_MISSING`, `ERR_JWT_INVALID`, `ERR_JWT_ALG`, `ERR_JWT_SIGNATURE`, `ERR_JWKS`
 *   (no key of the issuer matches), `ERR_JWKS_UNAVAILABLE`, `ERR_JWT_CLAIM`, `ERR_JWT_EXPIRED`,
 *   `ERR_JWT_TIME` (`nbf`, `iat`), `ERR_AUTH_TIME` (`auth_time` against `max_age`),
 *   `ERR_SUBJECT_MISMATCH`, `ERR_JWT_REPLAY` (a logout token's `jti` seen before)
 * - APIs ({@link validateJwtAccessToken}, {@link requireAccessToken}): `ERR_TOKEN_MISSING`,
 *   `ERR_AUTHORIZATION_HEADER`, `ERR_DPOP_PROOF`, `ERR_DPOP_BINDING`, `ERR_INSUFFICIENT_SCOPE`
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export type ClientErrorCode =
  | 'ERR_INSECURE_REQUEST'
  | 'ERR_TIMEOUT'
  | 'ERR_MISSING_METADATA'
  | 'ERR_UNEXPECTED_STATUS'
  | 'ERR_NOT_JSON'
  | 'ERR_INVALID_RESPONSE'
  | 'ERR_SERVER_ERROR'
  | 'ERR_ISSUER_MISMATCH'
  | 'ERR_DUPLICATE_PARAMETER'
  | 'ERR_ISS_MISSING'
  | 'ERR_ISS_MISMATCH'
  | 'ERR_STATE_MISMATCH'
  | 'ERR_AUTHORIZATION_ERROR'
  | 'ERR_CODE_MISSING'
  | 'ERR_ID_TOKEN_MISSING'
  | 'ERR_JWT_INVALID'
  | 'ERR_JWT_ALG'
  | 'ERR_JWT_SIGNATURE'
  | 'ERR_JWKS'
  | 'ERR_JWKS_UNAVAILABLE'
  | 'ERR_JWT_CLAIM'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_TIME'
  | 'ERR_AUTH_TIME'
  | 'ERR_SUBJECT_MISMATCH'
  | 'ERR_JWT_REPLAY'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_AUTHORIZATION_HEADER'
  | 'ERR_DPOP_PROOF'
  | 'ERR_DPOP_BINDING'
  | 'ERR_INSUFFICIENT_SCOPE';

/**
 * What a {@link ClientError} may carry besides its code and message.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface ClientErrorDetails {
  /** The OAuth `error` code the server answered (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1). */
  error?: string;
  error_description?: string;
  error_uri?: string;
  /** The HTTP status the server answered, or (from {@link validateJwtAccessToken}) the one to answer. */
  status?: number;
  /** From {@link validateJwtAccessToken}: the `WWW-Authenticate` header value to answer with. */
  wwwAuthenticate?: string;
  /** The response that failed a check (its body already read). */
  response?: Response;
  cause?: unknown;
}

/**
 * The one error of this library: a check failed or the server answered an error. The message names
 * the failed check and the values compared (never a secret); `code` is stable. Mistakes of the caller
 * (a wrong argument type, a missing secret) are plain `TypeError`s instead.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class ClientError extends Error implements ClientErrorDetails {
  declare readonly code: ClientErrorCode;
  declare error?: string;
  declare error_description?: string;
  declare error_uri?: string;
  declare status?: number;
  declare wwwAuthenticate?: string;
  declare response?: Response;

  constructor(code: ClientErrorCode, message: string, details?: ClientErrorDetails) {
    super(message, details);
    Object.assign(this, details, { name: 'ClientError', code });
  }
}

/** @internal Throws a {@link ClientError}. */
export function fail(code: ClientErrorCode, message: string, details?: ClientErrorDetails): never {
  throw new ClientError(code, message, details);
}

/** @internal A value as it appears in messages: JSON, or `none` when absent. */
export const show = (value: unknown): string => JSON.stringify(value) ?? 'none';

/** @internal Throws `<what>: expected <expected (as written)>, got <actual (as JSON)>`. */
export function mismatch(code: ClientErrorCode, what: string, expected: string, actual: unknown): never {
  fail(code, `${what}: expected ${expected}, got ${show(actual)}`);
}

/**
 * Whether an error asks for a DPoP nonce (`use_dpop_nonce`): retry the request once, the handle
 * has learnt the nonce. The high-level functions do this themselves.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export function isDPoPNonceError(err: unknown): boolean {
  return err instanceof ClientError && err.error === 'use_dpop_nonce';
}

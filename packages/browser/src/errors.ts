import { ClientError, type ClientErrorCode } from '@codegrant/client';

/**
 * The stable code of every {@link UserManagerError}: `switch (err.code)`.
 *
 * The codes of `@codegrant/client` (`ERR_STATE_MISMATCH`, `ERR_ISS_MISMATCH`, `ERR_JWT_SIGNATURE`,
 * `ERR_AUTHORIZATION_ERROR` with the server's `error`, `ERR_SERVER_ERROR`, `ERR_TIMEOUT`, …) plus
 * those of the browser flows:
 * - `ERR_POPUP_BLOCKED`: the browser refused to open the popup (call `signinPopup` from a click);
 * - `ERR_POPUP_CLOSED`: the user closed the popup before the flow came back;
 * - `ERR_NO_USER`: the operation needs a signed-in user and there is none;
 * - `ERR_NOT_A_CALLBACK`: `signinCallback`/`signoutCallback` on a URL that is no answer of ours, or in
 *   a popup without opener / an iframe without parent;
 * - `ERR_STORAGE`: the DPoP key could not be kept (IndexedDB unavailable).
 */
export type UserManagerErrorCode =
  | ClientErrorCode
  | 'ERR_POPUP_BLOCKED'
  | 'ERR_POPUP_CLOSED'
  | 'ERR_NO_USER'
  | 'ERR_NOT_A_CALLBACK'
  | 'ERR_STORAGE';

/**
 * The one error of `@codegrant/browser`, shaped like oidc-client-ts's `ErrorResponse`: when the
 * identity provider answered an error, `error`, `error_description`, `error_uri` (and `status` for
 * an endpoint) carry it; `code` always names the failed check. The message says what was compared.
 * Errors of `@codegrant/client` arrive wrapped (same code, the original as `cause`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class UserManagerError extends Error {
  declare readonly code: UserManagerErrorCode;
  /** The OAuth `error` the identity provider answered (`login_required`, `invalid_grant`, …). */
  declare error?: string;
  declare error_description?: string;
  declare error_uri?: string;
  /** The HTTP status of the endpoint's answer, when one failed. */
  declare status?: number;

  constructor(
    code: UserManagerErrorCode,
    message: string,
    details?: Pick<UserManagerError, 'error' | 'error_description' | 'error_uri' | 'status'> & {
      cause?: unknown;
    },
  ) {
    super(message, details);
    Object.assign(this, details, { name: 'UserManagerError', code });
  }
}

/** @internal Throws a {@link UserManagerError}. */
export function fail(code: UserManagerErrorCode, message: string): never {
  throw new UserManagerError(code, message);
}

/** @internal A {@link ClientError} as a {@link UserManagerError}; anything else unchanged. */
export function wrap(err: unknown): unknown {
  if (!(err instanceof ClientError)) return err;
  const { code, message, error, error_description, error_uri, status } = err;
  return new UserManagerError(code, message, { error, error_description, error_uri, status, cause: err });
}

import type { OAuthErrorBody, OAuthErrorCode } from '@codegrant/protocol';

/**
 * The one error type of the server: an OAuth `error` code, its description, the HTTP status it
 * answers with, and the `WWW-Authenticate` challenge where one is due (RFC 6749 §5.2, RFC 6750 §3).
 * Endpoints throw it; `http/responses.ts` turns it into the RFC-shaped response.
 */
export class OAuthError extends Error {
  /** The OAuth `error` code. */
  readonly error: OAuthErrorCode;
  /** HTTP status of the response. */
  readonly status: number;
  /** The `WWW-Authenticate` header value to send, if any. */
  readonly wwwAuthenticate: string | undefined;
  /** Other headers the answer needs (e.g. `DPoP-Nonce` with `use_dpop_nonce`). */
  readonly headers: Record<string, string>;

  constructor(
    error: OAuthErrorCode,
    description: string,
    options: {
      status?: number;
      wwwAuthenticate?: string;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(description, { cause: options.cause });
    this.name = 'OAuthError';
    this.error = error;
    this.status = options.status ?? 400;
    this.wwwAuthenticate = options.wwwAuthenticate;
    this.headers = options.headers ?? {};
  }

  /** The JSON body: `{ error, error_description }`. */
  toJSON(): OAuthErrorBody {
    return { error: this.error, error_description: this.message };
  }
}

/** Shorthand for the most common error, `invalid_request`. */
export function invalidRequest(description: string): OAuthError {
  return new OAuthError('invalid_request', description);
}

/** Shorthand for `invalid_grant`: the code or refresh token is not usable by this client. */
export function invalidGrant(description: string): OAuthError {
  return new OAuthError('invalid_grant', description);
}

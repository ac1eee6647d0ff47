import type { AuthorizationErrorCode } from '@codegrant/protocol';
import { OAuthError } from '../errors.ts';

/** Where and how an authorization response goes back to the client. */
export interface ResponseTarget {
  redirectUri: string;
  responseMode: 'query' | 'form_post';
  state: string | undefined;
}

/**
 * An error of the authorization endpoint. With a `target` (a verified client and redirect URI) it
 * is sent back to the client; without one it is shown on a page (RFC 6749 §4.1.2.1).
 */
export class AuthorizationError extends OAuthError {
  readonly target: ResponseTarget | undefined;

  constructor(error: AuthorizationErrorCode, description: string, target?: ResponseTarget) {
    super(error, description);
    this.name = 'AuthorizationError';
    this.target = target;
  }
}

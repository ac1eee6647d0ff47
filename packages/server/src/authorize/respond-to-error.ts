import { OAuthError } from '../errors.ts';
import { errorPage } from '../pages/error-page.ts';
import { AuthorizationError } from './authorization-error.ts';
import { sendAuthorizationResponse } from './authorization-response.ts';

/**
 * Answers an error of the browser-facing endpoints (authorize, interaction): to the client's
 * redirect URI when it is verified, on an error page otherwise. Other exceptions are rethrown, for
 * the router to log and answer with a 500.
 */
export function respondToBrowserError(issuer: string, error: unknown): Response {
  if (error instanceof AuthorizationError && error.target) {
    const params: Record<string, string> = { error: error.error, error_description: error.message };
    return sendAuthorizationResponse(issuer, error.target, params);
  }
  if (error instanceof OAuthError) return errorPage(error);
  throw error;
}

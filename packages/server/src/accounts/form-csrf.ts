import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { cookieNames, readCookie, serializeCookie } from '../interaction/cookies.ts';
import { constantTimeEqual } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

type Context = Pick<ServerContext, 'secureCookies'>;

/**
 * The CSRF token of the account pages (sign-up, confirm, reset), which a mailed link may open with
 * no pending sign-in to carry one: a double-submit cookie. The form must post back the value of
 * the `cg_csrf` cookie, which another site can neither read nor (HttpOnly, and `__Host-` on https)
 * set.
 *
 * @returns the token to put in the form, and the `Set-Cookie` when the browser had none
 */
export function formCsrfToken(context: Context, request: Request): { token: string; cookies: string[] } {
  const name = cookieNames(context.secureCookies).csrf;
  const existing = readCookie(request, name);
  if (existing && existing.length >= 43) return { token: existing, cookies: [] };
  const token = randomValue();
  return { token, cookies: [serializeCookie(name, token, { secure: context.secureCookies })] };
}

/**
 * Checks that a posted form carries the browser's CSRF cookie value.
 *
 * @throws {OAuthError} 403 when it is missing or differs
 */
export function checkFormCsrf(context: Context, request: Request, posted: string | undefined): void {
  const cookie = readCookie(request, cookieNames(context.secureCookies).csrf);
  if (!cookie || !posted || !constantTimeEqual(cookie, posted)) {
    throw new OAuthError(
      'invalid_request',
      'the form expired or was not sent by this page (CSRF token mismatch); reload and try again',
      { status: 403 },
    );
  }
}

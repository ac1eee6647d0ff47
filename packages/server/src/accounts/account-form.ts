import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { type AccountSession, accountSessionOrSignIn } from './account-sign-in.ts';
import { checkFormCsrf } from './form-csrf.ts';

type Context = Pick<ServerContext, 'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'now'>;

/**
 * Changing how one signs in, or who holds access, needs a sign-in of the last ten minutes
 * (OpenID Connect `max_age`): a browser left open is not enough.
 */
export const RECENT_SIGN_IN_SECONDS = 600;

/**
 * A form posted on the account pages: read, its CSRF token checked, and who posted it — or the
 * redirect that signs them in first (and back to `returnPath`).
 *
 * @param recent whether the sign-in must be of the last {@link RECENT_SIGN_IN_SECONDS}
 * @throws {OAuthError} 403 when the CSRF token is missing or wrong
 */
export async function readAccountForm(
  context: Context,
  request: Request,
  { recent, returnPath = '/account' }: { recent: boolean; returnPath?: string },
): Promise<{ form: Record<string, string>; signedIn: AccountSession | Response }> {
  const form = await readFormParameters(request);
  // Before the session: a forged post learns nothing, not even whether the browser is signed in.
  checkFormCsrf(context, request, form.csrf_token);
  const maxAge = recent ? RECENT_SIGN_IN_SECONDS : undefined;
  return { form, signedIn: await accountSessionOrSignIn(context, request, returnPath, maxAge) };
}

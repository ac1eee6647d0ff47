import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { withCookies } from '../interaction/cookies.ts';
import { endSession } from '../interaction/session.ts';
import { accountPage } from '../pages/account-page.ts';
import { noticePage } from '../pages/notice-page.ts';
import { respondToAccountError } from './account-error.ts';
import { accountSessionOrSignIn } from './account-sign-in.ts';
import { checkFormCsrf, formCsrfToken } from './form-csrf.ts';

type Context = Pick<ServerContext, 'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'accounts' | 'now'>;

/**
 * `GET /account`: the signed-in user's own page (option `accounts.accountPage`): their profile,
 * two-step verification (with `accounts.totp`), passkeys (with `accounts.passkeys`), and signing out. Anyone not signed in is sent
 * through the sign-in first.
 */
export function accountPageEndpoints(context: Context): {
  page(request: Request, notice?: string): Promise<Response>;
  signOut(request: Request): Promise<Response>;
} {
  return {
    async page(request, notice) {
      try {
        const signedIn = await accountSessionOrSignIn(context, request, '/account');
        if (signedIn instanceof Response) return signedIn;
        const { user } = signedIn;
        const csrf = formCsrfToken(context, request);
        const totp = context.accounts.totp ? await context.store.findTotp(user.id) : null;
        return withCookies(
          accountPage({
            issuer: context.issuer,
            csrfToken: csrf.token,
            username: user.username,
            name: user.name,
            email: user.email,
            emailVerified: user.emailVerified,
            twoStep: context.accounts.totp
              ? {
                  enabled: totp?.confirmedAt != null,
                  recoveryCodesLeft:
                    totp?.confirmedAt != null ? await context.store.countRecoveryCodes(user.id) : 0,
                }
              : null,
            passkeys: context.accounts.passkeys
              ? {
                  list: await context.store.listPasskeys(user.id),
                  add: {
                    action: 'register',
                    optionsUrl: `${context.issuer}/account/passkeys/options`,
                    verifyUrl: `${context.issuer}/account/passkeys`,
                    csrfToken: csrf.token,
                    label: 'Add a passkey',
                  },
                }
              : null,
            ...(notice ? { notice } : {}),
          }),
          csrf.cookies,
        );
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    /** `POST /account/sign-out`: ends this browser's session (its cookie, and the session in the store). */
    async signOut(request) {
      try {
        const form = await readFormParameters(request);
        checkFormCsrf(context, request, form.csrf_token);
        return withCookies(
          noticePage({
            title: 'You are signed out',
            message: [
              'This browser is no longer signed in. Applications you signed in to keep their own sessions.',
            ],
            next: { href: `${context.issuer}/account`, text: 'Sign in again' },
          }),
          [await endSession(context, request)],
        );
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

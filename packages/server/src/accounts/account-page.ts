import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { withCookies } from '../interaction/cookies.ts';
import { endSession } from '../interaction/session.ts';
import { noticePage } from '../pages/notice-page.ts';
import { revokeAccountAppEndpoint } from './account-apps.ts';
import { respondToAccountError } from './account-error.ts';
import { accountNotice } from './account-notices.ts';
import { accountProfileEndpoint } from './account-profile.ts';
import { endAccountSessionEndpoint } from './account-sessions.ts';
import { accountSessionOrSignIn } from './account-sign-in.ts';
import { showAccountPage } from './account-view.ts';
import { changePasswordEndpoint } from './change-password.ts';
import { checkFormCsrf } from './form-csrf.ts';

/** What the page and the endpoints of its changes need. */
type Context = Parameters<typeof showAccountPage>[0] &
  Parameters<typeof changePasswordEndpoint>[0] &
  Parameters<typeof revokeAccountAppEndpoint>[0] &
  Pick<ServerContext, 'backchannelLogouts'>;

/**
 * The account page (option `accounts.accountPage`) and the changes made on it, each in its own file:
 * - `GET /account`: the signed-in user's own page (`account-view.ts`); anyone not signed in is sent
 *   through the sign-in first;
 * - `POST /account/sign-out`: ends this browser's session;
 * - `POST /account/profile`: the display name (`account-profile.ts`);
 * - `POST /account/password`: a new password (`change-password.ts`);
 * - `POST /account/sessions/end`: signs another browser out (`account-sessions.ts`);
 * - `POST /account/apps/revoke`: takes an app's access away (`account-apps.ts`).
 */
export function accountPageEndpoints(context: Context): {
  page(request: Request): Promise<Response>;
  signOut(request: Request): Promise<Response>;
  saveProfile(request: Request): Promise<Response>;
  changePassword(request: Request, clientAddress: string | undefined): Promise<Response>;
  endSession(request: Request, clientAddress: string | undefined): Promise<Response>;
  revokeApp(request: Request, clientAddress: string | undefined): Promise<Response>;
} {
  return {
    async page(request) {
      try {
        const signedIn = await accountSessionOrSignIn(context, request, '/account');
        if (signedIn instanceof Response) return signedIn;
        const notice = accountNotice(request);
        return await showAccountPage(context, request, signedIn, notice ? { notice } : {});
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

    saveProfile: accountProfileEndpoint(context),
    changePassword: changePasswordEndpoint(context),
    endSession: endAccountSessionEndpoint(context),
    revokeApp: revokeAccountAppEndpoint(context),
  };
}

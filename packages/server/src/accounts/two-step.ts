import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { withCookies } from '../interaction/cookies.ts';
import { noticePage } from '../pages/notice-page.ts';
import { recoveryCodesPage } from '../pages/recovery-codes-page.ts';
import { totpEnrolmentPage } from '../pages/totp-enrolment-page.ts';
import { respondToAccountError } from './account-error.ts';
import { RECENT_SIGN_IN_SECONDS, readAccountForm } from './account-form.ts';
import { type AccountSession, accountSessionOrSignIn } from './account-sign-in.ts';
import { formCsrfToken } from './form-csrf.ts';
import { newRecoveryCodes } from './recovery-codes.ts';
import { hasTotp, pendingTotpEnrolment, startTotpEnrolment, verifyTotpCode } from './totp.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'issuerUrl' | 'store' | 'secureCookies' | 'lifetimes' | 'keyEncryption' | 'audit' | 'now'
>;

/**
 * Two-step verification on the account page (option `accounts.totp`):
 * - `GET /account/two-step`: a new authenticator secret as a QR code (and as text);
 * - `POST /account/two-step`: its first code turns it on and shows ten recovery codes, once;
 * - `POST /account/two-step/off`: turns it off (authenticator and recovery codes deleted);
 * - `POST /account/recovery-codes`: a new set of recovery codes (the old set stops working).
 * Each asks for a recent sign-in, and every form carries the CSRF token.
 */
export function twoStepEndpoints(context: Context): {
  enrolPage(request: Request): Promise<Response>;
  confirm(request: Request, clientAddress: string | undefined): Promise<Response>;
  turnOff(request: Request, clientAddress: string | undefined): Promise<Response>;
  renewRecoveryCodes(request: Request): Promise<Response>;
} {
  const recentSignIn = (request: Request, returnPath: string) =>
    accountSessionOrSignIn(context, request, returnPath, RECENT_SIGN_IN_SECONDS);
  const render = async (
    request: Request,
    { user }: AccountSession,
    extra: { error?: string; status?: number } = {},
  ) => {
    const enrolment =
      (await pendingTotpEnrolment(context, user)) ?? (await startTotpEnrolment(context, user, context.now()));
    const csrf = formCsrfToken(context, request);
    return withCookies(
      totpEnrolmentPage({
        actionUrl: `${context.issuer}/account/two-step`,
        csrfToken: csrf.token,
        ...enrolment,
        ...extra,
      }),
      csrf.cookies,
    );
  };
  const posted = (request: Request, returnPath: string) =>
    readAccountForm(context, request, { recent: true, returnPath });

  return {
    async enrolPage(request) {
      try {
        const signedIn = await recentSignIn(request, '/account/two-step');
        if (signedIn instanceof Response) return signedIn;
        if (await hasTotp(context, signedIn.user.id)) return seeOther(`${context.issuer}/account`);
        return await render(request, signedIn);
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async confirm(request, clientAddress) {
      try {
        const { form, signedIn } = await posted(request, '/account/two-step');
        if (signedIn instanceof Response) return signedIn;
        const now = context.now();
        if (!(await verifyTotpCode(context, signedIn.user, form.code ?? '', now, true))) {
          return render(request, signedIn, {
            error:
              'That code does not match. Check that the app shows a code for this account, and try the next one.',
            status: 400,
          });
        }
        const codes = await newRecoveryCodes(context, signedIn.user.id, now);
        context.audit.record({
          type: 'second_factor.enrolled',
          outcome: 'success',
          userId: signedIn.user.id,
          ip: clientAddress ?? null,
          details: { method: 'totp' },
        });
        return recoveryCodesPage({ issuer: context.issuer, codes, title: 'Two-step verification is on' });
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async turnOff(request, clientAddress) {
      try {
        const { signedIn } = await posted(request, '/account');
        if (signedIn instanceof Response) return signedIn;
        if (await context.store.deleteTotp(signedIn.user.id)) {
          context.audit.record({
            type: 'second_factor.removed',
            outcome: 'success',
            userId: signedIn.user.id,
            ip: clientAddress ?? null,
            details: { method: 'totp' },
          });
        }
        return noticePage({
          title: 'Two-step verification is off',
          message: ['Signing in now asks for your password only.'],
          next: { href: `${context.issuer}/account`, text: 'Back to your account' },
        });
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async renewRecoveryCodes(request) {
      try {
        const { signedIn } = await posted(request, '/account');
        if (signedIn instanceof Response) return signedIn;
        if (!(await hasTotp(context, signedIn.user.id))) return seeOther(`${context.issuer}/account`);
        const codes = await newRecoveryCodes(context, signedIn.user.id, context.now());
        return recoveryCodesPage({ issuer: context.issuer, codes, title: 'Your new recovery codes' });
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

import type { ServerContext } from '../context.ts';
import { withCookies } from '../interaction/cookies.ts';
import { loginBlocked, recordLoginFailure, throttleKeys } from '../interaction/login-throttle.ts';
import { hashPassword, verifyPassword } from '../interaction/password.ts';
import { startSession } from '../interaction/session.ts';
import { noticePage } from '../pages/notice-page.ts';
import { respondToAccountError } from './account-error.ts';
import { readAccountForm } from './account-form.ts';
import { accountMail, mailInBackground } from './account-mail.ts';
import { showAccountPage } from './account-view.ts';
import { passwordProblem } from './password-policy.ts';

/** The account page's (a refusal shows it again), and what a sign-in check and a mail need. */
type Context = Parameters<typeof showAccountPage>[0] &
  Pick<
    ServerContext,
    'issuerUrl' | 'lifetimes' | 'loginThrottle' | 'mailer' | 'logger' | 'audit' | 'backchannelLogouts'
  >;

/**
 * `POST /account/password` (`current_password`, `new_password`): changes the password from the
 * account page, after the CSRF check and a recent sign-in. The current password is asked again
 * (a browser left open is not its owner) and a wrong one counts against the sign-in throttle of
 * the account and the address, like at the login page. An account without a password (made
 * through another provider) sets one without it.
 *
 * On success, what the old password may have let someone else open is closed, in one store
 * transaction (`revokeUserAccess`): every session, every half-made sign-in and every grant (the
 * apps' refresh tokens, their access tokens at our endpoints, and codes not yet redeemed). This
 * browser is then signed in again with a new session id — the same sign-in time and methods — so
 * it stays signed in while a copy of its old cookie is worth nothing. The owner is told by mail.
 */
export function changePasswordEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  return async (request, clientAddress) => {
    try {
      const { form, signedIn } = await readAccountForm(context, request, { recent: true });
      if (signedIn instanceof Response) return signedIn;
      const { user, session } = signedIn;
      const now = context.now();
      const refuse = (passwordError: string, status: number) =>
        showAccountPage(context, request, signedIn, { passwordError, status });

      const keys = throttleKeys(user.username, clientAddress);
      if (user.passwordHash !== '') {
        const blocked = await loginBlocked(context, keys, now);
        if (blocked) {
          return refuse(`Too many wrong passwords. Try again in ${blocked.retryAfterMinutes} minutes.`, 429);
        }
        if (!(await verifyPassword(form.current_password ?? '', user.passwordHash))) {
          context.audit.record({
            type: 'password.changed',
            outcome: 'failure',
            userId: user.id,
            ip: clientAddress ?? null,
            reason: 'wrong_password',
          });
          await recordLoginFailure(context, keys, now);
          return refuse('Your current password is not right. Your password was not changed.', 401);
        }
      }
      const password = form.new_password ?? '';
      const problem = await passwordProblem(
        password,
        context.accounts.passwordMinLength,
        [user.username, user.email].filter((identifier) => identifier !== null),
      );
      if (problem) return refuse(problem, 400);

      await context.store.updateUser({ ...user, passwordHash: await hashPassword(password), updatedAt: now });
      await context.store.revokeUserAccess(user.id, now);
      context.audit.record({
        type: 'password.changed',
        outcome: 'success',
        userId: user.id,
        ip: clientAddress ?? null,
      });
      context.backchannelLogouts.kick();
      const { setCookie: cookie } = await startSession(
        context,
        { userId: user.id, authTime: session.authTime, amr: session.amr },
        now,
      );
      await context.store.clearLoginFailures(keys.account);
      const email = user.email;
      if (email !== null) {
        mailInBackground(context, () =>
          accountMail.passwordChanged(context, email, user.username, 'every other device'),
        );
      }
      return withCookies(
        noticePage({
          title: 'Your password was changed',
          message: [
            'Your other browsers were signed out, and apps you signed in to must sign you in again.',
            'This browser stays signed in.',
          ],
          next: { href: `${context.issuer}/account`, text: 'Back to your account' },
        }),
        [cookie],
      );
    } catch (error) {
      return respondToAccountError(error);
    }
  };
}

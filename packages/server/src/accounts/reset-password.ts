import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { withCookies } from '../interaction/cookies.ts';
import { throttleKeys } from '../interaction/login-throttle.ts';
import { hashPassword } from '../interaction/password.ts';
import { noticePage } from '../pages/notice-page.ts';
import { resetPasswordPage } from '../pages/reset-password-page.ts';
import type { AccountTokenRecord, UserRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { expiredLinkPage, respondToAccountError } from './account-error.ts';
import { findUsableLink } from './account-links.ts';
import { accountMail, mailInBackground } from './account-mail.ts';
import { checkFormCsrf, formCsrfToken } from './form-csrf.ts';
import { passwordProblem } from './password-policy.ts';
import { pendingInteraction, signInLink } from './same-browser.ts';

type Context = Pick<
  ServerContext,
  | 'backchannelLogouts'
  | 'issuer'
  | 'issuerUrl'
  | 'store'
  | 'secureCookies'
  | 'lifetimes'
  | 'accounts'
  | 'mailer'
  | 'logger'
  | 'audit'
  | 'now'
>;

/**
 * `GET|POST /account/reset-password`: where a reset link leads. Opening it shows the form; posting a
 * password that passes the policy uses the link (once), sets the password, verifies the address the
 * link went to, ends every session and revokes every grant of the account (its refresh tokens, and
 * its access tokens at our endpoints), lifts the sign-in lock, and mails the owner that it happened.
 */
export function resetPasswordEndpoints(context: Context): {
  page(request: Request): Promise<Response>;
  submit(request: Request, clientAddress: string | undefined): Promise<Response>;
} {
  const render = (
    request: Request,
    token: string,
    user: UserRecord,
    extra: { error?: string; status?: number } = {},
  ) => {
    const csrf = formCsrfToken(context, request);
    return withCookies(
      resetPasswordPage({
        actionUrl: `${context.issuer}/account/reset-password`,
        csrfToken: csrf.token,
        token,
        username: user.username,
        passwordMinLength: context.accounts.passwordMinLength,
        ...extra,
      }),
      csrf.cookies,
    );
  };
  /** The link and its account, if both are still there. */
  const load = async (
    token: string,
    now: number,
  ): Promise<{ link: AccountTokenRecord; user: UserRecord } | null> => {
    const link = await findUsableLink(context, token, ['reset-password'], now);
    const user = link?.userId ? await context.store.findUserById(link.userId) : null;
    return link && user ? { link, user } : null;
  };

  return {
    async page(request) {
      try {
        const token = new URL(request.url).searchParams.get('token') ?? '';
        const found = await load(token, context.now());
        return found ? render(request, token, found.user) : expiredLinkPage();
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async submit(request, clientAddress) {
      try {
        const now = context.now();
        const form = await readFormParameters(request);
        checkFormCsrf(context, request, form.csrf_token);
        const token = form.token ?? '';
        const found = await load(token, now);
        if (!found) return expiredLinkPage();
        const { user } = found;
        const password = form.password ?? '';
        const problem = await passwordProblem(
          password,
          context.accounts.passwordMinLength,
          [user.username, user.email].filter((identifier) => identifier !== null),
        );
        if (problem) return render(request, token, user, { error: problem, status: 400 });

        const used = await context.store.consumeAccountToken(sha256(token), 'reset-password', now);
        if (!used) return expiredLinkPage();
        const addressProven = user.email !== null && user.email.toLowerCase() === used.email.toLowerCase();
        await context.store.updateUser({
          ...user,
          passwordHash: await hashPassword(password),
          emailVerified: user.emailVerified || addressProven,
          updatedAt: now,
        });
        await context.store.revokeUserAccess(user.id, now);
        context.backchannelLogouts.kick();
        context.audit.record({
          type: 'password.reset',
          outcome: 'success',
          userId: user.id,
          ip: clientAddress ?? null,
        });
        await context.store.deleteAccountTokens(user.id, 'reset-password');
        await context.store.clearLoginFailures(throttleKeys(user.username, undefined).account);
        mailInBackground(context, () => accountMail.passwordChanged(context, used.email, user.username));

        const interaction = await pendingInteraction(context, request, used.interactionId, now);
        return noticePage({
          title: 'Your password was changed',
          message: ['Every device signed in to your account was signed out. Sign in with your new password.'],
          next: signInLink(context, interaction, 'Sign in'),
        });
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

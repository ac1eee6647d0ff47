import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { seeOther } from '../http/responses.ts';
import { withCookies } from '../interaction/cookies.ts';
import { loginBlocked, recordLoginFailure, throttleKeys } from '../interaction/login-throttle.ts';
import { verifyPassword } from '../interaction/password.ts';
import { confirmEmailPage } from '../pages/confirm-email-page.ts';
import { noticePage } from '../pages/notice-page.ts';
import type { AccountTokenRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { expiredLinkPage, respondToAccountError } from './account-error.ts';
import { findUsableLink } from './account-links.ts';
import { usernameForEmail } from './email-address.ts';
import { checkFormCsrf, formCsrfToken } from './form-csrf.ts';
import { isSameBrowser, pendingInteraction, signInLink } from './same-browser.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'loginThrottle' | 'audit' | 'now'
>;

/**
 * `GET|POST /account/confirm`: where sign-up and verification links lead. Opening the link only
 * shows a button (mail scanners open links); the POST uses the link once:
 * - `sign-up` creates the account, its address verified. Opened in another browser than the one
 *   that signed up, it first asks for the password chosen then: a link sent to someone's address
 *   by a stranger cannot make them create the stranger's account (pre-hijacking).
 * - `verify-email` marks an existing account's address verified, if it is still the address the
 *   link was sent to.
 * In the browser that asked, with its sign-in still pending, the sign-in then continues at once.
 */
export function confirmEmailEndpoints(context: Context): {
  page(request: Request): Promise<Response>;
  submit(request: Request, clientAddress: string | undefined): Promise<Response>;
} {
  const render = (
    request: Request,
    token: string,
    link: AccountTokenRecord,
    extra: { error?: string; status?: number } = {},
  ) => {
    const csrf = formCsrfToken(context, request);
    return withCookies(
      confirmEmailPage({
        actionUrl: `${context.issuer}/account/confirm`,
        csrfToken: csrf.token,
        token,
        email: link.email,
        purpose: link.purpose === 'sign-up' ? 'sign-up' : 'verify-email',
        askPassword: link.purpose === 'sign-up' && !isSameBrowser(context, request, link.browserBindingHash),
        ...extra,
      }),
      csrf.cookies,
    );
  };

  return {
    async page(request) {
      try {
        const token = new URL(request.url).searchParams.get('token') ?? '';
        const link = await findUsableLink(context, token, ['sign-up', 'verify-email'], context.now());
        return link ? render(request, token, link) : expiredLinkPage();
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
        const link = await findUsableLink(context, token, ['sign-up', 'verify-email'], now);
        if (!link) return expiredLinkPage();
        const sameBrowser = isSameBrowser(context, request, link.browserBindingHash);

        if (link.purpose === 'sign-up' && !sameBrowser) {
          // The password is checked like a sign-in: throttled per address and per client address.
          const keys = throttleKeys(link.email, clientAddress);
          if (await loginBlocked(context, keys, now)) {
            return render(request, token, link, {
              error: 'Too many wrong passwords. Try again later.',
              status: 429,
            });
          }
          if (!link.passwordHash || !(await verifyPassword(form.password ?? '', link.passwordHash))) {
            await recordLoginFailure(context, keys, now);
            return render(request, token, link, {
              error: 'That is not the password chosen when signing up.',
              status: 401,
            });
          }
        }
        const used = await context.store.consumeAccountToken(sha256(token), link.purpose, now);
        if (!used) return expiredLinkPage();

        let userId: string | null;
        if (used.purpose === 'sign-up') {
          userId = await createAccount(context, used, now);
          if (!userId) {
            return noticePage({
              title: 'This address has an account already',
              message: ['Sign in with it, or reset its password if you forgot it.'],
              status: 409,
            });
          }
          context.audit.record({ type: 'sign_up', outcome: 'success', userId, ip: clientAddress ?? null });
        } else {
          // The account is gone, or its address changed since the link was sent.
          userId = await verify(context, used, now);
          if (!userId) return expiredLinkPage();
        }
        const interaction = await pendingInteraction(context, request, used.interactionId, now);
        if (interaction && sameBrowser) {
          // The browser that typed the password, proven owner of the address: its sign-in goes on.
          // The password was typed in this browser (at sign-up, or at the sign-in that sent the link).
          await context.store.setInteractionLogin(interaction.id, { userId, authTime: now, amr: ['pwd'] });
          return seeOther(`${context.issuer}/interaction/${interaction.id}`);
        }
        return noticePage({
          title: used.purpose === 'sign-up' ? 'Your account is ready' : 'Your email address is confirmed',
          message: ['You can sign in with it now, from the application you were using.'],
          next: signInLink(context, interaction, 'Sign in'),
        });
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

/**
 * Creates the account a sign-up link carries. Someone may have taken the address since the link
 * was sent (another sign-up, an operator): then nothing is created.
 *
 * @returns the new user id, or `null` when the address or username is taken
 */
async function createAccount(
  context: Pick<Context, 'store'>,
  link: AccountTokenRecord,
  now: number,
): Promise<string | null> {
  const username = usernameForEmail(link.email);
  if (
    (await context.store.findUserByUsername(username)) ||
    (await context.store.findUsersByEmail(link.email)).length
  ) {
    return null;
  }
  const id = randomUUID();
  try {
    await context.store.insertUser({
      id,
      username,
      passwordHash: link.passwordHash ?? '',
      email: link.email,
      emailVerified: true,
      name: link.name,
      admin: false,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    // Lost a race with another sign-up of the same address: the unique username refused this one.
    if (await context.store.findUserByUsername(username)) return null;
    throw error;
  }
  return id;
}

/** Marks the account's address verified if it is still the one the link went to. @returns the user id, or `null` */
async function verify(
  context: Pick<Context, 'store'>,
  link: AccountTokenRecord,
  now: number,
): Promise<string | null> {
  const user = link.userId ? await context.store.findUserById(link.userId) : null;
  if (!user || user.email?.toLowerCase() !== link.email.toLowerCase()) return null;
  if (!user.emailVerified) await context.store.updateUser({ ...user, emailVerified: true, updatedAt: now });
  return user.id;
}

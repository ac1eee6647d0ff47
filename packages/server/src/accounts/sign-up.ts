import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { withCookies } from '../interaction/cookies.ts';
import { hashPassword } from '../interaction/password.ts';
import { noticePage } from '../pages/notice-page.ts';
import { signUpPage } from '../pages/sign-up-page.ts';
import { respondToAccountError } from './account-error.ts';
import { createAccountLink } from './account-links.ts';
import { accountMail, type MailingFlowContext, mailInBackground } from './account-mail.ts';
import { profileName } from './account-profile.ts';
import { mayMail, throttleMinutes, tooManyAccountRequests } from './account-throttle.ts';
import { maskEmailAddress, parseEmailAddress, usernameForEmail } from './email-address.ts';
import { checkFormCsrf, formCsrfToken } from './form-csrf.ts';
import { passwordProblem } from './password-policy.ts';
import { browserBindingHash, pendingInteraction, signInLink } from './same-browser.ts';
import { mailVerificationLink } from './verification-mail.ts';

type Context = MailingFlowContext & Pick<ServerContext, 'settings'>;

/** While sign-up is off (a setting that may change as the server runs), its page is not there. */
function signUpOff(): Response {
  return noticePage({
    title: 'Sign-up is closed',
    message: ['Accounts are created by an administrator here. Ask yours for one.'],
    status: 404,
  });
}

/**
 * `GET|POST /account/sign-up`: "Create an account" (option `accounts.signUp`, or the console's
 * settings: 404 while it is off).
 *
 * The answer to a valid request is the same page, after the same work (one scrypt hash), whether
 * the address is new or has an account: no account enumeration. A new address gets a link that
 * creates the account when used (with `requireVerifiedEmail`, the default with sign-up), so nobody
 * can hold an address they cannot read; a known one gets a mail saying it has an account. Mail is
 * sent after the answer, so its timing tells nothing either.
 */
export function signUpEndpoints(context: Context): {
  page(request: Request): Promise<Response>;
  submit(request: Request, clientAddress: string | undefined): Promise<Response>;
} {
  const render = async (
    request: Request,
    interactionId: string | null,
    extra: { email?: string; name?: string; error?: string; status?: number } = {},
  ) => {
    const csrf = formCsrfToken(context, request);
    const interaction = await pendingInteraction(context, request, interactionId, context.now());
    return withCookies(
      signUpPage({
        actionUrl: `${context.issuer}/account/sign-up`,
        csrfToken: csrf.token,
        interactionId: interaction?.id ?? null,
        passwordMinLength: context.accounts.passwordMinLength,
        signIn: signInLink(context, interaction, 'I have an account: sign in'),
        ...extra,
      }),
      csrf.cookies,
    );
  };

  return {
    async page(request) {
      if (!context.settings.current.signUp) return signUpOff();
      try {
        return await render(request, new URL(request.url).searchParams.get('interaction'));
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async submit(request, clientAddress) {
      if (!context.settings.current.signUp) return signUpOff();
      try {
        const now = context.now();
        const form = await readFormParameters(request);
        checkFormCsrf(context, request, form.csrf_token);
        const interactionId = form.interaction ?? null;
        const name = profileName(form.name);
        const password = form.password ?? '';
        const email = parseEmailAddress(form.email);
        const again = (error: string, status: number) =>
          render(request, interactionId, { email: form.email ?? '', name: name ?? '', error, status });
        if (!email) return again('Enter a valid email address.', 400);
        const problem = await passwordProblem(password, context.accounts.passwordMinLength, [email]);
        if (problem) return again(problem, 400);
        if (await tooManyAccountRequests(context, clientAddress, now)) {
          return again(
            `Too many requests from your network. Try again in ${throttleMinutes(context)} minutes.`,
            429,
          );
        }

        // The same work whatever the address: one scrypt hash, the same look-ups, the same count
        // of mail; what differs (a link written, a mail) happens after the answer.
        const passwordHash = await hashPassword(password);
        const username = usernameForEmail(email);
        const taken =
          (await context.store.findUserByUsername(username)) !== null ||
          (await context.store.findUsersByEmail(email)).length > 0;
        const mailAllowed = await mayMail(context, email, now);
        const interaction = await pendingInteraction(context, request, interactionId, now);
        const binding = browserBindingHash(context, request);
        if (!taken && !context.accounts.requireVerifiedEmail) {
          await createUnverifiedAccount(
            context,
            { email, name, passwordHash, binding, interaction, mailAllowed },
            now,
          );
        } else if (mailAllowed) {
          mailInBackground(context, async () => {
            if (taken) {
              const resetUrl = context.accounts.passwordReset
                ? `${context.issuer}/account/forgot-password`
                : null;
              return accountMail.alreadyRegistered(context, email, resetUrl);
            }
            const link = await createAccountLink(
              context,
              {
                purpose: 'sign-up',
                userId: null,
                email,
                name,
                passwordHash,
                browserBindingHash: binding,
                interactionId: interaction?.id ?? null,
              },
              now,
            );
            return accountMail.signUp(context, email, link, context.lifetimes.emailVerification / 60);
          });
        }
        return noticePage({
          title: 'Check your inbox',
          message: [
            `We sent a message to ${maskEmailAddress(email)}. Open the link in it to finish creating your account.`,
            'Nothing arrived? Look in your spam folder, or try again in a few minutes.',
          ],
          next: signInLink(context, interaction, 'Back to sign in'),
        });
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

/**
 * Sign-up without required verification (`requireVerifiedEmail: false`): the account exists at
 * once, unverified, and gets a link to verify its address. The operator chose this: the answer
 * then differs for a known address at the next sign-in, which the README says.
 */
async function createUnverifiedAccount(
  context: Context,
  account: {
    email: string;
    name: string | null;
    passwordHash: string;
    binding: string | null;
    interaction: { id: string } | null;
    mailAllowed: boolean;
  },
  now: number,
): Promise<void> {
  const userId = randomUUID();
  await context.store.insertUser({
    id: userId,
    username: usernameForEmail(account.email),
    passwordHash: account.passwordHash,
    email: account.email,
    emailVerified: false,
    name: account.name,
    admin: false,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  });
  if (account.mailAllowed) {
    mailVerificationLink(
      context,
      {
        userId,
        email: account.email,
        browserBindingHash: account.binding,
        interactionId: account.interaction?.id ?? null,
      },
      now,
    );
  }
}

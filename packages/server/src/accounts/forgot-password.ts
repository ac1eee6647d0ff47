import { readFormParameters } from '../http/body.ts';
import { withCookies } from '../interaction/cookies.ts';
import { forgotPasswordPage } from '../pages/forgot-password-page.ts';
import { noticePage } from '../pages/notice-page.ts';
import { respondToAccountError } from './account-error.ts';
import { createAccountLink } from './account-links.ts';
import { accountMail, type MailingFlowContext, mailInBackground } from './account-mail.ts';
import { mayMail, throttleMinutes, tooManyAccountRequests } from './account-throttle.ts';
import { maskEmailAddress, parseEmailAddress } from './email-address.ts';
import { checkFormCsrf, formCsrfToken } from './form-csrf.ts';
import { browserBindingHash, pendingInteraction, signInLink } from './same-browser.ts';

type Context = MailingFlowContext;

/**
 * `GET|POST /account/forgot-password`: asks for an address and mails a reset link to each account
 * that has it (option `accounts.passwordReset`). The answer is the same whether or not an account
 * has the address, and the mail goes after it: no account enumeration.
 */
export function forgotPasswordEndpoints(context: Context): {
  page(request: Request): Promise<Response>;
  submit(request: Request, clientAddress: string | undefined): Promise<Response>;
} {
  const render = async (
    request: Request,
    interactionId: string | null,
    extra: { email?: string; error?: string; status?: number } = {},
  ) => {
    const csrf = formCsrfToken(context, request);
    const interaction = await pendingInteraction(context, request, interactionId, context.now());
    return withCookies(
      forgotPasswordPage({
        actionUrl: `${context.issuer}/account/forgot-password`,
        csrfToken: csrf.token,
        interactionId: interaction?.id ?? null,
        signIn: signInLink(context, interaction, 'Back to sign in'),
        ...extra,
      }),
      csrf.cookies,
    );
  };

  return {
    async page(request) {
      try {
        return await render(request, new URL(request.url).searchParams.get('interaction'));
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async submit(request, clientAddress) {
      try {
        const now = context.now();
        const form = await readFormParameters(request);
        checkFormCsrf(context, request, form.csrf_token);
        const interactionId = form.interaction ?? null;
        const email = parseEmailAddress(form.email);
        if (!email) {
          return render(request, interactionId, {
            email: form.email ?? '',
            error: 'Enter a valid email address.',
            status: 400,
          });
        }
        if (await tooManyAccountRequests(context, clientAddress, now)) {
          return render(request, interactionId, {
            email,
            error: `Too many requests from your network. Try again in ${throttleMinutes(context)} minutes.`,
            status: 429,
          });
        }
        const interaction = await pendingInteraction(context, request, interactionId, now);
        // The same work whatever the address: one look-up, one count of mail; the links and the
        // mail are made after the answer.
        const accounts = await context.store.findUsersByEmail(email);
        const mailAllowed = await mayMail(context, email, now);
        const binding = browserBindingHash(context, request);
        if (accounts.length > 0 && mailAllowed) {
          mailInBackground(context, async () => {
            const links: { username: string; link: string }[] = [];
            for (const user of accounts) {
              const link = await createAccountLink(
                context,
                {
                  purpose: 'reset-password',
                  userId: user.id,
                  email,
                  name: null,
                  passwordHash: null,
                  browserBindingHash: binding,
                  interactionId: interaction?.id ?? null,
                },
                now,
              );
              links.push({ username: user.username, link });
            }
            return accountMail.resetPassword(context, email, links, context.lifetimes.passwordReset / 60);
          });
        }
        return noticePage({
          title: 'Check your inbox',
          message: [
            `If an account uses ${maskEmailAddress(email)}, we sent it a link to choose a new password.`,
            `The link works once, within ${context.lifetimes.passwordReset / 60} minutes.`,
          ],
          next: signInLink(context, interaction, 'Back to sign in'),
        });
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

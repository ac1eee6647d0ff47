import type { ServerContext } from '../context.ts';
import { createAccountLink } from './account-links.ts';
import { accountMail, mailInBackground } from './account-mail.ts';

type Context = Pick<ServerContext, 'store' | 'issuer' | 'issuerUrl' | 'lifetimes' | 'mailer' | 'logger'>;

/**
 * Mails an existing account a link that verifies its address (after the answer, like all account
 * mail): when it signs in unverified, or signs up where verification is not required.
 */
export function mailVerificationLink(
  context: Context,
  account: { userId: string; email: string; browserBindingHash: string | null; interactionId: string | null },
  now: number,
): void {
  mailInBackground(context, async () => {
    const link = await createAccountLink(
      context,
      { purpose: 'verify-email', name: null, passwordHash: null, ...account },
      now,
    );
    return accountMail.verifyEmail(context, account.email, link, context.lifetimes.emailVerification / 60);
  });
}

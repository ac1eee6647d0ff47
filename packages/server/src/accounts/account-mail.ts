import type { ServerContext } from '../context.ts';
import type { MailMessage } from './mailer.ts';

type Context = Pick<ServerContext, 'mailer' | 'logger' | 'issuerUrl'>;

/** What a flow that answers a form and mails after (sign-up, forgot password) is built from. */
export type MailingFlowContext = Pick<
  ServerContext,
  | 'issuer'
  | 'issuerUrl'
  | 'store'
  | 'secureCookies'
  | 'lifetimes'
  | 'accounts'
  | 'loginThrottle'
  | 'mailer'
  | 'logger'
  | 'now'
>;

/**
 * Builds and sends a message after the request is answered. The answer to a sign-up or reset
 * request must not depend on whether mail is sent (or to whom), neither in its text nor in its
 * timing, so both the work `build` does (making a link is a store write) and the SMTP round trip
 * happen after it. A failure is logged for the operator.
 */
export function mailInBackground(
  context: Pick<Context, 'mailer' | 'logger'>,
  build: () => Promise<MailMessage> | MailMessage,
): void {
  const mailer = context.mailer;
  if (!mailer) return;
  let subject = '(not built)';
  // After the answer is on its way: SQLite writes synchronously, so even the link's store write
  // would otherwise happen before the response leaves.
  setImmediate(() => {
    void (async () => {
      const message = await build();
      subject = message.subject;
      await mailer.send(message);
    })().catch((error: unknown) => {
      context.logger({ level: 'error', msg: 'mail not sent', subject, error: String(error) });
    });
  });
}

/** The mail of each account flow. Plain text: no remote images, nothing for a client to render. */
export const accountMail = {
  signUp(context: Pick<Context, 'issuerUrl'>, to: string, link: string, minutes: number): MailMessage {
    return {
      to,
      subject: `Confirm your email address for ${context.issuerUrl.host}`,
      text: [
        `Someone (hopefully you) asked to create an account at ${context.issuerUrl.host} with this address.`,
        '',
        `To finish, open this link within ${minutes} minutes:`,
        link,
        '',
        'If it was not you, ignore this message: no account is created without the link.',
      ].join('\n'),
    };
  },
  alreadyRegistered(context: Pick<Context, 'issuerUrl'>, to: string, resetUrl: string | null): MailMessage {
    return {
      to,
      subject: `You already have an account at ${context.issuerUrl.host}`,
      text: [
        `Someone (hopefully you) asked to create an account at ${context.issuerUrl.host} with this address,`,
        'but an account with it exists already: sign in with it instead.',
        ...(resetUrl ? ['', `Forgot its password? Choose a new one here: ${resetUrl}`] : []),
        '',
        'If it was not you, ignore this message: nothing changed.',
      ].join('\n'),
    };
  },
  verifyEmail(context: Pick<Context, 'issuerUrl'>, to: string, link: string, minutes: number): MailMessage {
    return {
      to,
      subject: `Confirm your email address for ${context.issuerUrl.host}`,
      text: [
        `To confirm this address for your account at ${context.issuerUrl.host}, open this link within ${minutes} minutes:`,
        link,
        '',
        'If you did not try to sign in, ignore this message.',
      ].join('\n'),
    };
  },
  /** One message for every account of the address, a link each (operators may give accounts one address). */
  resetPassword(
    context: Pick<Context, 'issuerUrl'>,
    to: string,
    accounts: { username: string; link: string }[],
    minutes: number,
  ): MailMessage {
    return {
      to,
      subject: `Reset your password at ${context.issuerUrl.host}`,
      text: [
        `Someone (hopefully you) asked to reset a password at ${context.issuerUrl.host} for this address.`,
        '',
        `To choose a new password, open the link of your account within ${minutes} minutes:`,
        ...accounts.map(({ username, link }) => `${username}: ${link}`),
        '',
        'If it was not you, ignore this message: your password stays as it is.',
      ].join('\n'),
    };
  },
  /** @param signedOut who was signed out: everyone after a reset, all but the changer's browser on the account page */
  passwordChanged(
    context: Pick<Context, 'issuerUrl'>,
    to: string,
    username: string,
    signedOut: 'every device' | 'every other device' = 'every device',
  ): MailMessage {
    return {
      to,
      subject: `Your password at ${context.issuerUrl.host} was changed`,
      text: [
        `The password of the account "${username}" at ${context.issuerUrl.host} was just changed, and`,
        `${signedOut} signed in to it was signed out.`,
        '',
        'If it was not you, reset your password at once and tell the people who run this service.',
      ].join('\n'),
    };
  },
};

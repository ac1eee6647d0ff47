import nodemailer from 'nodemailer';
import { isLoopbackHost } from '../registration/redirect-uri-policy.ts';

/** A message to one person: what account flows (verification, reset) send. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** How the identity provider sends mail. */
export interface Mailer {
  /** Where mail goes, for logs and the CLI: the SMTP URL without its password, or the log. */
  readonly description: string;
  /** @throws {Error} when the SMTP server cannot be reached or refuses the message */
  send(message: MailMessage): Promise<void>;
}

/** Settings of {@link createMailer}. */
export interface MailerOptions {
  /**
   * `smtp://user:password@host:587` (STARTTLS) or `smtps://…:465` (TLS from the first byte).
   * Without it, mail is written to `log`, marked as not sent: for development only.
   */
  smtpUrl?: string;
  /** The `From` address, e.g. `"Example sign-in" <no-reply@example.com>`. */
  from: string;
  /** Where mail goes without an SMTP URL (default: stderr). */
  log?: (text: string) => void;
}

/**
 * Sends mail through an SMTP server (nodemailer), or, without one, prints it to the log.
 * Security default: to a host other than loopback, `smtp://` must upgrade with STARTTLS and verify
 * the certificate (`requireTLS`), so passwords and reset links never cross a network in clear
 * text; `smtps://` is TLS from the start.
 *
 * @throws {Error} for an SMTP URL that is not `smtp:` or `smtps:`
 */
export function createMailer(options: MailerOptions): Mailer {
  if (!options.smtpUrl) return logMailer(options);
  const url = new URL(options.smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`the SMTP URL must start with smtp:// or smtps://, got ${url.protocol}//`);
  }
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    requireTLS: url.protocol === 'smtp:' && !isLoopbackHost(url.hostname),
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return {
    description: shown.href,
    async send(message) {
      await transport.sendMail({ from: options.from, ...message });
    },
  };
}

/** Development without SMTP: the message in the log, unmistakably not sent. */
function logMailer(options: MailerOptions): Mailer {
  const log = options.log ?? ((text: string) => process.stderr.write(text));
  return {
    description: 'the log (no SMTP server configured: mail is NOT sent)',
    async send(message) {
      log(
        [
          '----- MAIL NOT SENT (no SMTP server configured; development only) -----',
          `From: ${options.from}`,
          `To: ${message.to}`,
          `Subject: ${message.subject}`,
          '',
          message.text,
          '----- END OF MAIL -----',
          '',
        ].join('\n'),
      );
    },
  };
}

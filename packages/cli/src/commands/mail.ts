import { createMailer } from '@codegrant/server';
import type { Command, CommandGroup } from '../command.ts';
import { CliError } from '../errors.ts';
import { mailFromFlag } from '../mail-from.ts';

const testCommand: Command = {
  name: 'mail test',
  summary: 'send a test message through the configured SMTP server',
  details: [
    'Set CODEGRANT_SMTP_URL (an environment variable only: it holds the SMTP password), e.g.',
    'smtp://user:password@smtp.example.com:587 (STARTTLS, required with a certificate that verifies',
    'unless the host is loopback) or smtps://…:465. Without it the message is printed to stderr,',
    'marked as not sent, as the identity provider does in development. Exits 1 naming the failure',
    'when the server cannot be reached or refuses the message.',
  ].join('\n'),
  arguments: [{ name: 'TO', description: 'the address to send it to' }],
  flags: [mailFromFlag],
  async run(args) {
    const [to = ''] = args.positionals;
    const smtpUrl = process.env.CODEGRANT_SMTP_URL || undefined;
    const mailer = createMailer({ smtpUrl, from: args.string(mailFromFlag.name)! });
    try {
      await mailer.send({
        to,
        subject: 'codegrant test message',
        text: 'This message shows that the identity provider can send mail (codegrant mail test).',
      });
    } catch (error) {
      throw new CliError(`could not send through ${mailer.description}: ${(error as Error).message}`);
    }
    process.stdout.write(
      smtpUrl
        ? `sent a test message to ${to} through ${mailer.description}\n`
        : `no SMTP server configured (CODEGRANT_SMTP_URL): the message for ${to} was printed on stderr, not sent\n`,
    );
  },
};

/** `codegrant mail …`: the mail the identity provider sends (account flows). */
export const mailCommands: CommandGroup = {
  name: 'mail',
  summary: 'check the mail set-up',
  commands: [testCommand],
};

/** A real SMTP server in the test process (`smtp-server`), keeping every message it accepts. */
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';

/** A message as the SMTP server received it. */
export interface ReceivedMail {
  /** The envelope: `MAIL FROM` and `RCPT TO`. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** The header fields, names in lower case. */
  headers: Map<string, string>;
  /** The body as sent (short ASCII text is sent as is). */
  body: string;
  /** The body as text: decoded when it was sent quoted-printable (long lines, such as links, are). */
  text: string;
}

export interface TestSmtpServer {
  port: number;
  /** `smtp://[user:pass@]127.0.0.1:port`. */
  url: string;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * Listens on `host` (default 127.0.0.1) without STARTTLS. With `auth`, it accepts only those
 * credentials (plain AUTH, allowed here because the test connection is local).
 */
export async function startSmtpServer(
  options: { auth?: { user: string; pass: string }; host?: string } = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      const { user, pass } = options.auth ?? {};
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const headers = new Map<string, string>();
        // Header fields, unfolded (RFC 5322 §2.2.3).
        for (const line of raw
          .slice(0, split)
          .replace(/\r\n[ \t]+/g, ' ')
          .split('\r\n')) {
          const colon = line.indexOf(':');
          headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
        }
        const body = raw.slice(split + 4);
        const quotedPrintable =
          headers.get('content-transfer-encoding')?.toLowerCase() === 'quoted-printable';
        received.push({
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          headers,
          body,
          text: quotedPrintable ? decodeQuotedPrintable(body) : body,
        });
        callback();
      });
    },
  });
  const host = options.host ?? '127.0.0.1';
  server.listen(0, host);
  await once(server.server, 'listening');
  const { port } = server.server.address() as { port: number };
  const credentials = options.auth ? `${options.auth.user}:${options.auth.pass}@` : '';
  return {
    port,
    url: `smtp://${credentials}${host.includes(':') ? `[${host}]` : host}:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** RFC 2045 §6.7: soft line breaks removed, `=XX` octets decoded (as UTF-8). */
function decodeQuotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * Waits for the next message to `to` (mail is sent after the page answers, so it may arrive a
 * moment later), removes it from `received` and returns it.
 *
 * @throws when none arrives within `timeoutMs`
 */
export async function takeMail(smtp: TestSmtpServer, to: string, timeoutMs = 5000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Addresses compare without regard to case (the SMTP library lower-cases the domain).
    const index = smtp.received.findIndex((mail) =>
      mail.envelopeTo.some((address) => address.toLowerCase() === to.toLowerCase()),
    );
    if (index >= 0) return smtp.received.splice(index, 1)[0]!;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The links of a message, in order. */
export function linksIn(mail: ReceivedMail): string[] {
  return [...mail.text.matchAll(/https?:\/\/\S+/g)].map((match) => match[0]);
}

/** The first link of a message. @throws when it has none */
export function firstLink(mail: ReceivedMail): string {
  const [link] = linksIn(mail);
  if (!link) throw new Error(`no link in the mail: ${mail.text}`);
  return link;
}

import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { createMailer } from '../../src/accounts/mailer.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const FROM = '"Example sign-in" <no-reply@example.com>';
const message = { to: 'kate@example.com', subject: 'Verify your email', text: 'Open this link: https://x/v' };

describe('the mailer, with a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let withAuth: TestSmtpServer;

  before(async () => {
    smtp = await startSmtpServer();
    withAuth = await startSmtpServer({ auth: { user: 'mailer', pass: 's3cret/pass' } });
  });
  after(async () => {
    await smtp.close();
    await withAuth.close();
  });

  it('delivers the message: envelope, From, To, Subject and text', async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: FROM });
    await mailer.send(message);
    const [mail] = smtp.received.splice(0);
    assert.ok(mail);
    assert.equal(mail.envelopeFrom, 'no-reply@example.com');
    assert.deepEqual(mail.envelopeTo, ['kate@example.com']);
    assert.equal(mail.headers.get('from'), FROM);
    assert.equal(mail.headers.get('to'), 'kate@example.com');
    assert.equal(mail.headers.get('subject'), 'Verify your email');
    assert.match(mail.body, /Open this link: https:\/\/x\/v/);
    assert.equal(mailer.description, smtp.url);
  });

  it('logs in with the URL credentials (percent-decoded), and never shows the password', async () => {
    const url = withAuth.url.replace('s3cret/pass', encodeURIComponent('s3cret/pass'));
    const mailer = createMailer({ smtpUrl: url, from: FROM });
    await mailer.send(message);
    assert.equal(withAuth.received.splice(0).length, 1);
    assert.doesNotMatch(mailer.description, /s3cret/);
    assert.match(mailer.description, /^smtp:\/\/mailer:\*\*\*@127\.0\.0\.1:\d+/);
  });

  it('fails with the server’s refusal on a wrong password, and nothing is delivered', async () => {
    const url = withAuth.url.replace('s3cret/pass', 'wrong');
    await assert.rejects(
      createMailer({ smtpUrl: url, from: FROM }).send(message),
      /Invalid username or password/,
    );
    assert.equal(withAuth.received.length, 0);
  });

  it('fails naming the cause when the server cannot be reached', async () => {
    const closed = await startSmtpServer();
    await closed.close();
    await assert.rejects(createMailer({ smtpUrl: closed.url, from: FROM }).send(message), /ECONNREFUSED/);
  });

  it('requires STARTTLS to a host that is not loopback, so nothing crosses a network in clear text', async () => {
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((entry) => entry && !entry.internal && entry.family === 'IPv4')?.address;
    assert.ok(address, 'this machine has a non-loopback IPv4 address');
    const remote = await startSmtpServer({ host: address });
    try {
      await assert.rejects(createMailer({ smtpUrl: remote.url, from: FROM }).send(message), /STARTTLS/);
      assert.equal(remote.received.length, 0);
    } finally {
      await remote.close();
    }
  });

  it('refuses a URL that is not smtp: or smtps:', () => {
    assert.throws(
      () => createMailer({ smtpUrl: 'http://mail.example.com', from: FROM }),
      /smtp:\/\/ or smtps:\/\//,
    );
  });
});

describe('the mailer without an SMTP server (development)', () => {
  it('prints the message to the log, marked as not sent', async () => {
    const lines: string[] = [];
    const mailer = createMailer({ from: FROM, log: (text) => lines.push(text) });
    await mailer.send(message);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^----- MAIL NOT SENT \(no SMTP server configured; development only\) -----\n/);
    assert.match(
      lines[0]!,
      /\nTo: kate@example\.com\nSubject: Verify your email\n\nOpen this link: https:\/\/x\/v\n/,
    );
    assert.match(mailer.description, /NOT sent/);
  });
});

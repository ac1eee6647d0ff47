import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSmtpServer, type TestSmtpServer } from '../../server/test/helpers/smtp.ts';
import { assertFailure, codegrant, removeTempDir } from './helpers/cli.ts';

describe('codegrant mail test', () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer({ auth: { user: 'ops', pass: 'smtp password' } });
  });
  after(async () => {
    await smtp.close();
    await removeTempDir();
  });

  it('sends a message through CODEGRANT_SMTP_URL, From from --mail-from, the password never printed', async () => {
    const url = smtp.url.replace('smtp password', encodeURIComponent('smtp password'));
    const result = await codegrant(
      ['mail', 'test', 'kate@example.com', '--mail-from', 'IdP <idp@example.com>'],
      {
        env: { CODEGRANT_SMTP_URL: url },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^sent a test message to kate@example\.com through smtp:\/\/ops:\*\*\*@127\.0\.0\.1:\d+\n$/,
    );
    assert.doesNotMatch(result.stdout + result.stderr, /smtp(%20| )password/);
    const [mail] = smtp.received.splice(0);
    assert.deepEqual(mail?.envelopeTo, ['kate@example.com']);
    assert.equal(mail?.headers.get('from'), 'IdP <idp@example.com>');
    assert.equal(mail?.headers.get('subject'), 'codegrant test message');
  });

  it('without an SMTP server prints the message on stderr and says it was not sent', async () => {
    const result = await codegrant(['mail', 'test', 'kate@example.com']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no SMTP server configured \(CODEGRANT_SMTP_URL\).*not sent/);
    assert.match(
      result.stderr,
      /MAIL NOT SENT[^\n]*\nFrom: codegrant <no-reply@localhost>\nTo: kate@example\.com\n/,
    );
  });

  it('fails in one line naming the cause: refused credentials, an unreachable server, a wrong scheme', async () => {
    const wrong = smtp.url.replace('smtp password', 'nope');
    assertFailure(
      await codegrant(['mail', 'test', 'kate@example.com'], { env: { CODEGRANT_SMTP_URL: wrong } }),
      1,
      /could not send through smtp:\/\/ops:\*\*\*@.*Invalid username or password/,
    );
    assertFailure(
      await codegrant(['mail', 'test', 'kate@example.com'], {
        env: { CODEGRANT_SMTP_URL: 'smtp://127.0.0.1:1' },
      }),
      1,
      /could not send through smtp:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    assertFailure(
      await codegrant(['mail', 'test', 'kate@example.com'], {
        env: { CODEGRANT_SMTP_URL: 'http://mail.example.com' },
      }),
      1,
      /must start with smtp:\/\/ or smtps:\/\//,
    );
    assertFailure(await codegrant(['mail', 'test']), 2, /missing TO/);
    assert.equal(smtp.received.length, 0);
  });
});

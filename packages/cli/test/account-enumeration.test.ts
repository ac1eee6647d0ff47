/**
 * No account enumeration by timing, measured as an attacker would: from another process than the
 * identity provider (`codegrant serve`, mailing through a real SMTP server in this one). Sign-up
 * and reset requests for an address with an account and for one without must take the same time,
 * within the noise of the machine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linkHref, submitForm } from '../../server/test/helpers/accounts.ts';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../../server/test/helpers/smtp.ts';
import {
  CHALLENGE,
  codegrant,
  freePort,
  freshDb,
  removeTempDir,
  type Serving,
  startServe,
  stopServe,
} from './helpers/cli.ts';

const PASSWORD = 'a long enough password for timing';

/** The median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('no account enumeration by timing (codegrant serve, measured from another process)', () => {
  let smtp: TestSmtpServer;
  let serving: Serving;
  let issuer: string;
  let clientId: string;

  before(async () => {
    smtp = await startSmtpServer();
    const db = freshDb();
    const added = await codegrant([
      'users',
      'add',
      'known',
      '--password',
      PASSWORD,
      '--email',
      'known@example.com',
      '--email-verified',
      '--db',
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    const client = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'http://127.0.0.1:9/cb',
      '--public',
      '--first-party',
      '--db',
      db,
    ]);
    clientId = (JSON.parse(client.stdout) as { client_id: string }).client_id;
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    const flags = ['--sign-up', '--password-reset', '--account-requests-per-ip', '1000'];
    serving = await startServe(['--port', String(port), '--db', db, ...flags], {
      CODEGRANT_SMTP_URL: smtp.url,
    });
  });
  after(async () => {
    await stopServe(serving);
    await smtp.close();
    await removeTempDir();
  });

  it('answers sign-ups and reset requests for known and unknown addresses in the same time', async () => {
    const browser = new TestBrowser();
    const authorize = new URL(`${issuer}/authorize`);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:9/cb',
      response_type: 'code',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    }).toString();
    const interaction = (await browser.fetch(authorize)).headers.get('location')!;
    const loginPage = await (await browser.fetch(new URL(interaction, issuer))).text();
    const signUpForm = await (await browser.fetch(linkHref(loginPage, 'Create an account'))).text();
    const resetForm = await (await browser.fetch(linkHref(loginPage, 'Forgot your password\\?'))).text();

    const timed = async (form: string, fields: Record<string, string>) => {
      // The mail of the previous request goes out after its answer: let it, as an attacker's probes would.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      const response = await submitForm(browser, form, fields);
      await response.arrayBuffer();
      assert.equal(response.status, 200);
      return performance.now() - started;
    };
    const samples = {
      signUpKnown: [] as number[],
      signUpNew: [] as number[],
      resetKnown: [] as number[],
      resetNew: [] as number[],
    };
    // Alternated, and in turn first and second, so that the machine's drift and any effect of what
    // ran just before fall on both sides alike.
    const pair = async (first: () => Promise<void>, second: () => Promise<void>, flip: boolean) => {
      if (flip) {
        await second();
        await first();
      } else {
        await first();
        await second();
      }
    };
    for (let i = 0; i < 20; i++) {
      await pair(
        async () =>
          void samples.signUpKnown.push(
            await timed(signUpForm, { email: 'known@example.com', password: PASSWORD }),
          ),
        async () =>
          void samples.signUpNew.push(
            await timed(signUpForm, { email: `new-${i}@example.com`, password: PASSWORD }),
          ),
        i % 2 === 1,
      );
      await pair(
        async () => void samples.resetKnown.push(await timed(resetForm, { email: 'known@example.com' })),
        async () => void samples.resetNew.push(await timed(resetForm, { email: `nobody-${i}@example.com` })),
        i % 2 === 1,
      );
    }
    // Sign-up costs one scrypt hash either way (tens of milliseconds), a reset request a few
    // milliseconds of HTTP and store either way. A tell-tale difference would be a whole hash
    // (sign-up), a store write or an SMTP round trip (both): the bounds sit below those.
    const report = JSON.stringify(
      Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
    );
    const signUpGap = Math.abs(median(samples.signUpKnown) - median(samples.signUpNew));
    const resetGap = Math.abs(median(samples.resetKnown) - median(samples.resetNew));
    assert.ok(signUpGap < Math.max(0.25 * median(samples.signUpNew), 10), `sign-up medians (ms): ${report}`);
    assert.ok(resetGap < Math.max(0.5 * median(samples.resetNew), 3), `reset medians (ms): ${report}`);
    // The known address got mail (as many as its limit lets through); the unknown ones got none.
    assert.ok(smtp.received.some((mail) => mail.envelopeTo.includes('known@example.com')));
    assert.ok(!smtp.received.some((mail) => mail.envelopeTo.some((to) => to.startsWith('nobody-'))));
  });
});

/**
 * The account-related commands and flags: `users add --email-verified`, `users verify-email`,
 * `users set-password`, and `serve --sign-up` & co., run as operators run them (child processes,
 * a temporary SQLite file).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256, verifyPassword } from '@codegrant/server';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import {
  assertFailure,
  CHALLENGE,
  codegrant,
  dir,
  freePort,
  freshDb,
  removeTempDir,
  startServe,
  stopServe,
} from './helpers/cli.ts';

after(removeTempDir);

function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function addUser(db: string, username: string, ...flags: string[]): Promise<void> {
  const result = await codegrant([
    'users',
    'add',
    username,
    '--password',
    'first password',
    ...flags,
    '--db',
    db,
  ]);
  assert.equal(result.code, 0, result.stderr);
}

async function listUsers(db: string): Promise<Record<string, unknown>[]> {
  const result = await codegrant(['users', 'list', '--json', '--db', db]);
  assert.equal(result.code, 0, result.stderr);
  return parseJsonLines(result.stdout);
}

describe('users add --email-verified', () => {
  it('adds the user with a verified email, shown by users list (JSON and table)', async () => {
    const db = freshDb();
    await addUser(db, 'alice', '--email', 'alice@example.com', '--email-verified');
    await addUser(db, 'bob', '--email', 'bob@example.com');
    const users = await listUsers(db);
    assert.deepEqual(
      users.map((user) => [user.username, user.email_verified]),
      [
        ['alice', true],
        ['bob', false],
      ],
    );

    const table = await codegrant(['users', 'list', '--db', db]);
    assert.equal(table.code, 0, table.stderr);
    const [header, alice, bob] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^USERNAME\s+ID\s+EMAIL\s+EMAIL_VERIFIED\s+NAME\s+ADMIN\s+DISABLED\s+CREATED_AT$/);
    assert.match(alice!, /alice@example\.com\s+yes\s/);
    assert.match(bob!, /bob@example\.com\s+no\s/);
  });

  it('honours CODEGRANT_EMAIL_VERIFIED', async () => {
    const db = freshDb();
    const result = await codegrant(['users', 'add', 'carol', '--email', 'carol@example.com', '--db', db], {
      env: { CODEGRANT_PASSWORD: 'first password', CODEGRANT_EMAIL_VERIFIED: 'true' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await listUsers(db))[0]?.email_verified, true);
  });

  it('refuses --email-verified without --email, exit 1, adding nobody', async () => {
    const db = freshDb();
    assertFailure(
      await codegrant([
        'users',
        'add',
        'dave',
        '--password',
        'first password',
        '--email-verified',
        '--db',
        db,
      ]),
      1,
      /--email-verified needs --email/,
    );
    assert.deepEqual(await listUsers(db), []);
  });
});

describe('users verify-email', () => {
  it('marks the email of the user verified', async () => {
    const db = freshDb();
    await addUser(db, 'erin', '--email', 'erin@example.com');
    await addUser(db, 'frank', '--email', 'frank@example.com');
    const result = await codegrant(['users', 'verify-email', 'erin', '--db', db]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /verified the email address erin@example\.com of erin/);
    assert.deepEqual(
      (await listUsers(db)).map((user) => [user.username, user.email_verified]),
      [
        ['erin', true],
        ['frank', false],
      ],
    );
    // Again: nothing to do, still done.
    assert.equal((await codegrant(['users', 'verify-email', 'erin', '--db', db])).code, 0);
  });

  it('refuses an unknown user, exit 1', async () => {
    const db = freshDb();
    await addUser(db, 'gina', '--email', 'gina@example.com');
    assertFailure(
      await codegrant(['users', 'verify-email', 'nobody', '--db', db]),
      1,
      /no user named "nobody"/,
    );
  });

  it('refuses a user without an email address, exit 1', async () => {
    const db = freshDb();
    await addUser(db, 'hank');
    assertFailure(
      await codegrant(['users', 'verify-email', 'hank', '--db', db]),
      1,
      /"hank" has no email address/,
    );
    assert.equal((await listUsers(db))[0]?.email_verified, false);
  });

  it('needs USERNAME (exit 2)', async () => {
    assertFailure(await codegrant(['users', 'verify-email', '--db', freshDb()]), 2, /missing USERNAME/);
  });
});

describe('users reset-mfa', () => {
  it('removes the authenticator and the recovery codes of the account, and no one else’s', async () => {
    const db = freshDb();
    await addUser(db, 'mona');
    await addUser(db, 'nils');
    const now = Math.floor(Date.now() / 1000);
    let store = await openSqliteStore(db);
    const ids: string[] = [];
    try {
      for (const name of ['mona', 'nils']) {
        const id = (await store.findUserByUsername(name))!.id;
        ids.push(id);
        await store.saveTotp({
          userId: id,
          secret: 'JBSWY3DPEHPK3PXP',
          confirmedAt: now,
          lastStep: 0,
          createdAt: now,
        });
        await store.replaceRecoveryCodes(id, ['code-hash-1', 'code-hash-2'], now);
        await store.insertPasskey({
          credentialId: `credential-of-${name}`,
          userId: id,
          publicKey: 'cHVibGljLWtleQ',
          counter: 0,
          transports: ['internal'],
          backedUp: false,
          name: 'Laptop',
          createdAt: now,
          lastUsedAt: null,
        });
      }
    } finally {
      await store.close();
    }
    const result = await codegrant(['users', 'reset-mfa', 'mona', '--db', db]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /removed the two-step verification and 1 passkey\(s\) of mona/);
    const again = await codegrant(['users', 'reset-mfa', 'mona', '--db', db]);
    assert.match(again.stdout, /mona had no two-step verification/);
    assertFailure(await codegrant(['users', 'reset-mfa', 'nobody', '--db', db]), 1, /no user named "nobody"/);

    store = await openSqliteStore(db);
    try {
      assert.equal(await store.findTotp(ids[0]!), null);
      assert.equal(await store.countRecoveryCodes(ids[0]!), 0);
      assert.deepEqual(await store.listPasskeys(ids[0]!), []);
      assert.equal((await store.listPasskeys(ids[1]!)).length, 1, 'nils keeps his passkey');
      assert.ok(await store.findTotp(ids[1]!), 'nils keeps his');
      assert.equal(await store.countRecoveryCodes(ids[1]!), 2);
    } finally {
      await store.close();
    }
  });
});

describe('users set-password', () => {
  it('changes the password and ends every session of the account', async () => {
    const db = freshDb();
    await addUser(db, 'ivy', '--email', 'ivy@example.com');
    await addUser(db, 'jack');
    const now = Math.floor(Date.now() / 1000);
    const sessionOf = (userId: string, cookie: string) => ({
      idHash: sha256(cookie),
      userId,
      authTime: now,
      amr: ['pwd'],
      createdAt: now,
      expiresAt: now + 3600,
    });
    let store = await openSqliteStore(db);
    let ivyId: string;
    let jackId: string;
    try {
      ivyId = (await store.findUserByUsername('ivy'))!.id;
      jackId = (await store.findUserByUsername('jack'))!.id;
      await store.insertSession(sessionOf(ivyId, 'ivy cookie'));
      await store.insertSession(sessionOf(jackId, 'jack cookie'));
    } finally {
      await store.close();
    }

    const result = await codegrant([
      'users',
      'set-password',
      'ivy',
      '--password',
      'second password',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /set the password of ivy; ended every session and revoked every grant/);

    store = await openSqliteStore(db);
    try {
      const ivy = await store.findUserByUsername('ivy');
      assert.ok(ivy);
      assert.equal(await verifyPassword('second password', ivy.passwordHash), true);
      assert.equal(await verifyPassword('first password', ivy.passwordHash), false);
      assert.equal(ivy.email, 'ivy@example.com', 'the rest of the record is kept');
      assert.equal(await store.findSession(sha256('ivy cookie')), null);
      assert.ok(await store.findSession(sha256('jack cookie')), "other users' sessions stay");
      const jack = await store.findUserByUsername('jack');
      assert.equal(await verifyPassword('first password', jack!.passwordHash), true);
    } finally {
      await store.close();
    }
  });

  it('reads CODEGRANT_PASSWORD', async () => {
    const db = freshDb();
    await addUser(db, 'kate');
    const result = await codegrant(['users', 'set-password', 'kate', '--db', db], {
      env: { CODEGRANT_PASSWORD: 'from the environment' },
    });
    assert.equal(result.code, 0, result.stderr);
    const store = await openSqliteStore(db);
    try {
      const kate = await store.findUserByUsername('kate');
      assert.equal(await verifyPassword('from the environment', kate!.passwordHash), true);
    } finally {
      await store.close();
    }
  });

  it('refuses a short password (1), an unknown user (1), no password (2)', async () => {
    const db = freshDb();
    await addUser(db, 'liam');
    assertFailure(
      await codegrant(['users', 'set-password', 'liam', '--password', 'seven77', '--db', db]),
      1,
      /at least 8 characters/,
    );
    assertFailure(
      await codegrant(['users', 'set-password', 'nobody', '--password', 'long enough', '--db', db]),
      1,
      /no user named "nobody"/,
    );
    assertFailure(
      await codegrant(['users', 'set-password', 'liam', '--db', db]),
      2,
      /--password is required \(or set CODEGRANT_PASSWORD\)/,
    );
  });
});

describe('serve with account flows', () => {
  it('lists the new flags and their variables in its help', async () => {
    const help = (await codegrant(['serve', '--help'])).stdout;
    for (const word of [
      '--sign-up',
      'CODEGRANT_SIGN_UP',
      '--password-reset',
      'CODEGRANT_PASSWORD_RESET',
      '--require-verified-email',
      'CODEGRANT_REQUIRE_VERIFIED_EMAIL',
      '--password-min-length N',
      'CODEGRANT_PASSWORD_MIN_LENGTH',
      '--mail-from ADDRESS',
      'CODEGRANT_MAIL_FROM',
    ]) {
      assert.ok(help.includes(word), `serve --help lacks ${word}`);
    }
    const users = (await codegrant(['users', '--help'])).stdout;
    assert.match(users, /users verify-email/);
    assert.match(users, /users set-password/);
  });

  it('refuses --sign-up on an https issuer without CODEGRANT_SMTP_URL, exit 1 in one line', async () => {
    const port = await freePort();
    assertFailure(
      await codegrant([
        'serve',
        '--sign-up',
        '--issuer',
        'https://id.example.com',
        '--port',
        String(port),
        '--db',
        freshDb(),
      ]),
      1,
      /set CODEGRANT_SMTP_URL/,
    );
    // The same through the environment variables, and for each flow that mails.
    const envs: Record<string, string>[] = [
      { CODEGRANT_PASSWORD_RESET: '1' },
      { CODEGRANT_REQUIRE_VERIFIED_EMAIL: 'true' },
      { CODEGRANT_SIGN_UP: 'yes' },
    ];
    for (const env of envs) {
      assertFailure(
        await codegrant(
          ['serve', '--issuer', 'https://id.example.com', '--port', String(port), '--db', freshDb()],
          {
            env,
          },
        ),
        1,
        /set CODEGRANT_SMTP_URL/,
      );
    }
  });

  it('refuses a --password-min-length below 8 (exit 2) and a CODEGRANT_SMTP_URL that is not SMTP (exit 1)', async () => {
    assertFailure(
      await codegrant(['serve', '--sign-up', '--password-min-length', '7', '--db', freshDb()]),
      2,
      /--password-min-length must be an integer from 8/,
    );
    assertFailure(
      await codegrant(['serve', '--sign-up', '--db', freshDb()], {
        env: { CODEGRANT_SMTP_URL: 'http://user:secret@mail.example.com' },
      }),
      1,
      /CODEGRANT_SMTP_URL: the SMTP URL must start with smtp:\/\/ or smtps:\/\//,
    );
    const notUrl = await codegrant(['serve', '--sign-up', '--db', freshDb()], {
      env: { CODEGRANT_SMTP_URL: 'smtp//user:secret@mail.example.com' },
    });
    assertFailure(notUrl, 1, /CODEGRANT_SMTP_URL is not a URL/);
    assert.doesNotMatch(notUrl.stderr, /secret/);
  });

  it('starts with --sign-up on a loopback issuer and says mail goes to stderr', async () => {
    const port = await freePort();
    const serving = await startServe([
      '--port',
      String(port),
      '--sign-up',
      '--password-reset',
      '--password-min-length',
      '10',
      '--db',
      freshDb(),
    ]);
    try {
      assert.match(serving.stderr(), /account mail goes to stderr \(not sent: development\)/);
    } finally {
      await stopServe(serving);
    }
  });

  it('starts on an https issuer with CODEGRANT_SMTP_URL, naming the server without its password', async () => {
    const port = await freePort();
    const serving = await startServe(
      ['--port', String(port), '--issuer', 'https://id.example.com', '--mail-from', 'IdP <idp@example.com>'],
      {
        CODEGRANT_DB: freshDb(),
        CODEGRANT_SIGN_UP: 'true',
        CODEGRANT_REQUIRE_VERIFIED_EMAIL: 'false',
        // Not contacted before mail is sent.
        CODEGRANT_SMTP_URL: 'smtp://ops:smtp-secret@127.0.0.1:2525',
      },
    );
    try {
      assert.match(serving.stderr(), /account mail goes to smtp:\/\/ops:\*\*\*@127\.0\.0\.1:2525/);
      assert.doesNotMatch(serving.stderr(), /smtp-secret/);
    } finally {
      await stopServe(serving);
    }
  });

  it('says nothing about mail when no account flow is on', async () => {
    const port = await freePort();
    const serving = await startServe(['--port', String(port), '--db', freshDb()]);
    try {
      assert.doesNotMatch(serving.stderr(), /account mail/);
    } finally {
      await stopServe(serving);
    }
  });
});

describe('serve --upstream-providers', () => {
  let files = 0;
  const providersFile = (providers: unknown[]) => {
    files += 1;
    const file = path.join(dir, `providers-${files}.json`);
    writeFileSync(file, JSON.stringify(providers));
    return file;
  };
  const corp = { id: 'corp', name: 'Corp', issuer: 'https://corp.example', clientId: 'codegrant' };

  it('puts "Sign in with …" on the login page, the client secret read from the variable the file names', async () => {
    const db = freshDb();
    const client = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'http://127.0.0.1/cb',
      '--public',
      '--db',
      db,
    ]);
    const clientId = (JSON.parse(client.stdout) as { client_id: string }).client_id;
    const port = await freePort();
    const file = providersFile([{ ...corp, clientSecretEnv: 'CORP_SECRET' }]);
    const serving = await startServe(['--port', String(port), '--db', db, '--upstream-providers', file], {
      CORP_SECRET: 'the corp client secret',
    });
    try {
      const browser = new TestBrowser();
      const authorize = new URL(`http://localhost:${port}/authorize`);
      authorize.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: 'http://127.0.0.1/cb',
        response_type: 'code',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      }).toString();
      const interaction = (await browser.fetch(authorize)).headers.get('location')!;
      const page = await (await browser.fetch(new URL(interaction, authorize))).text();
      assert.match(page, /Sign in with Corp/);
    } finally {
      await stopServe(serving);
    }
  });

  it('refuses a secret in the file, an unset variable, and a file that is not a list (exit 1)', async () => {
    const cases: [string, RegExp][] = [
      [providersFile([{ ...corp, clientSecret: 'inline' }]), /clientSecret in the file/],
      [providersFile([{ ...corp, clientSecretEnv: 'NOT_SET_ANYWHERE' }]), /NOT_SET_ANYWHERE is not set/],
      [providersFile([]).replace(/\.json$/, '.missing.json'), /upstream-providers/],
    ];
    for (const [file, reason] of cases) {
      assertFailure(await codegrant(['serve', '--db', freshDb(), '--upstream-providers', file]), 1, reason);
    }
  });
});

/**
 * The `codegrant` executable, run as operators run it: `node bin/codegrant.js …` in a child process,
 * against a SQLite file in a temporary directory.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256 } from '@codegrant/server';
import { openSqliteStore } from '@codegrant/server/sqlite';
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

describe('help and usage', () => {
  it('prints the commands on --help and -h, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await codegrant([flag]);
      assert.equal(result.code, 0);
      for (const command of ['serve', 'users add', 'users list', 'users remove', 'clients add', 'migrate']) {
        assert.match(result.stdout, new RegExp(`\\n  ${command} `));
      }
    }
  });

  it("prints every command's usage with each flag's environment variable", async () => {
    const expected: Record<string, string[]> = {
      serve: [
        '--port',
        'CODEGRANT_PORT',
        '--issuer',
        'CODEGRANT_ISSUER',
        '--db',
        'CODEGRANT_DB',
        '--code-ttl',
      ],
      migrate: ['--db', 'CODEGRANT_DB'],
      'users add': ['USERNAME', '--password', 'CODEGRANT_PASSWORD', '--email', 'CODEGRANT_EMAIL', '--name'],
      'users list': ['--json', 'CODEGRANT_JSON', 'CODEGRANT_DB'],
      'users remove': ['USERNAME', 'CODEGRANT_DB'],
      'clients add': [
        '--redirect-uri',
        '--public',
        '--first-party',
        '--client-id',
        'CODEGRANT_CLIENT_SECRET',
      ],
      'clients list': ['--json', 'CODEGRANT_DB'],
      'clients remove': ['ID', 'CODEGRANT_DB'],
    };
    for (const [command, words] of Object.entries(expected)) {
      const result = await codegrant([...command.split(' '), '--help']);
      assert.equal(result.code, 0, command);
      assert.match(result.stdout, new RegExp(`^Usage: codegrant ${command} `));
      for (const word of words) assert.ok(result.stdout.includes(word), `${command} --help lacks ${word}`);
    }
    assert.match((await codegrant(['serve', '--help'])).stdout, /CODEGRANT_ACCESS_TOKEN_TTL/);
  });

  it('prints a group’s commands on `users --help`', async () => {
    const result = await codegrant(['users', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /users add/);
    assert.match(result.stdout, /users remove/);
  });

  it('refuses an unknown flag with exit code 2 and one line on stderr', async () => {
    assertFailure(await codegrant(['users', 'list', '--nope', '--db', freshDb()]), 2, /unknown flag --nope/);
    assertFailure(await codegrant(['serve', '--prot', '4000']), 2, /unknown flag --prot/);
    assertFailure(await codegrant(['--nope']), 2, /unknown flag --nope/);
  });

  it('refuses unknown commands, missing values and arguments with exit code 2', async () => {
    assertFailure(await codegrant([]), 2, /no command given/);
    assertFailure(await codegrant(['frobnicate']), 2, /unknown command frobnicate/);
    assertFailure(await codegrant(['users', 'rename']), 2, /unknown command rename/);
    assertFailure(await codegrant(['users', 'add', '--password', 'long enough']), 2, /missing USERNAME/);
    assertFailure(
      await codegrant(['users', 'add', 'alice']),
      2,
      /--password is required \(or set CODEGRANT_PASSWORD\)/,
    );
    assertFailure(await codegrant(['users', 'add', 'alice', '--password']), 2, /--password needs a value/);
    assertFailure(await codegrant(['clients', 'remove', 'a', 'b']), 2, /unexpected argument "b"/);
    assertFailure(await codegrant(['serve', '--port', 'http']), 2, /--port must be an integer/);
    assertFailure(await codegrant(['migrate', '--db']), 2, /--db needs a value/);
  });

  it('prints the version', async () => {
    const result = await codegrant(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+/);
  });
});

describe('users', () => {
  it('adds, lists and removes users', async () => {
    const db = freshDb();
    const added = await codegrant([
      'users',
      'add',
      'alice',
      '--password',
      'correct horse battery',
      '--email',
      'alice@example.com',
      '--name',
      'Alice Liddell',
      '--db',
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(
      (await codegrant(['users', 'add', 'bob', '--password', 'hunter2hunter2', '--db', db])).code,
      0,
    );

    const json = await codegrant(['users', 'list', '--json', '--db', db]);
    assert.equal(json.code, 0);
    const users = parseJsonLines(json.stdout);
    assert.deepEqual(
      users.map((user) => user.username),
      ['alice', 'bob'],
    );
    const alice = users[0]!;
    assert.equal(alice.email, 'alice@example.com');
    assert.equal(alice.name, 'Alice Liddell');
    assert.equal(alice.email_verified, false);
    assert.match(String(alice.id), /^[0-9a-f-]{36}$/);
    assert.ok(added.stdout.includes(String(alice.id)), 'users add prints the new id');
    assert.ok(!json.stdout.includes('scrypt'), 'no password hash is listed');

    const table = await codegrant(['users', 'list', '--db', db]);
    assert.equal(table.code, 0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^USERNAME\s+ID\s+EMAIL/);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^alice\s+/);

    assert.equal((await codegrant(['users', 'remove', 'alice', '--db', db])).code, 0);
    assertFailure(await codegrant(['users', 'remove', 'alice', '--db', db]), 1, /no user named "alice"/);
    const after = parseJsonLines((await codegrant(['users', 'list', '--json', '--db', db])).stdout);
    assert.deepEqual(
      after.map((user) => user.username),
      ['bob'],
    );
  });

  it('stores the password hashed', async () => {
    const db = freshDb();
    assert.equal(
      (await codegrant(['users', 'add', 'carol', '--password', 'a secret phrase', '--db', db])).code,
      0,
    );
    const store = await openSqliteStore(db);
    try {
      const user = await store.findUserByUsername('carol');
      assert.ok(user);
      assert.match(user.passwordHash, /^scrypt\$/);
      assert.ok(!user.passwordHash.includes('a secret phrase'));
    } finally {
      await store.close();
    }
  });

  it('refuses an existing username', async () => {
    const db = freshDb();
    assert.equal(
      (await codegrant(['users', 'add', 'alice', '--password', 'first password', '--db', db])).code,
      0,
    );
    assertFailure(
      await codegrant(['users', 'add', 'alice', '--password', 'second password', '--db', db]),
      1,
      /a user named "alice" already exists/,
    );
  });

  it('refuses a password shorter than 8 characters', async () => {
    assertFailure(
      await codegrant(['users', 'add', 'dave', '--password', 'seven77', '--db', freshDb()]),
      1,
      /at least 8 characters/,
    );
  });

  it('honours CODEGRANT_DB and CODEGRANT_PASSWORD, and a flag beats its variable', async () => {
    const fromEnv = freshDb();
    const fromFlag = freshDb();
    const env = { CODEGRANT_DB: fromEnv, CODEGRANT_PASSWORD: 'from the environment' };
    assert.equal((await codegrant(['users', 'add', 'erin'], { env })).code, 0);
    assert.equal((await codegrant(['users', 'add', 'frank', '--db', fromFlag], { env })).code, 0);

    const listed = (db: string) =>
      codegrant(['users', 'list', '--json', '--db', db]).then((r) =>
        parseJsonLines(r.stdout).map((u) => u.username),
      );
    assert.deepEqual(await listed(fromEnv), ['erin']);
    assert.deepEqual(await listed(fromFlag), ['frank']);
    assert.deepEqual(
      parseJsonLines(
        (await codegrant(['users', 'list'], { env: { CODEGRANT_DB: fromEnv, CODEGRANT_JSON: '1' } })).stdout,
      ).map((u) => u.username),
      ['erin'],
    );
  });

  it('defaults to ./codegrant.db in the working directory', async () => {
    const cwd = await mkdtemp(path.join(dir, 'cwd-'));
    assert.equal((await codegrant(['users', 'add', 'gina', '--password', 'long enough'], { cwd })).code, 0);
    assert.ok(existsSync(path.join(cwd, 'codegrant.db')));
  });
});

describe('clients', () => {
  it('adds a confidential client: one JSON object on stdout, a 256-bit secret stored as its SHA-256', async () => {
    const db = freshDb();
    const result = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'https://app.example.com/callback',
      '--redirect-uri',
      'http://localhost:3000/callback',
      '--name',
      'Example App',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trimEnd().split('\n').length, 1);
    const output = JSON.parse(result.stdout) as { client_id: string; client_secret: string };
    assert.deepEqual(Object.keys(output), ['client_id', 'client_secret']);
    assert.ok(output.client_id.length >= 22);
    assert.ok(output.client_secret.length >= 43, output.client_secret);
    assert.match(result.stdout, /^\{"client_id": "[^"]+", "client_secret": "[^"]+"\}\n$/);

    const store = await openSqliteStore(db);
    try {
      const client = await store.findClient(output.client_id);
      assert.ok(client);
      assert.equal(client.clientSecretHash, sha256(output.client_secret));
      assert.deepEqual(client.redirectUris, [
        'https://app.example.com/callback',
        'http://localhost:3000/callback',
      ]);
      assert.equal(client.name, 'Example App');
      assert.equal(client.tokenEndpointAuthMethod, 'client_secret_basic');
      assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token']);
      assert.equal(client.firstParty, false);
      assert.equal(client.idTokenSignedResponseAlg, 'ES256');
      assert.equal(client.alwaysIssueRefreshToken, false);
      assert.equal(client.allowMissingPkce, false);
      assert.deepEqual(client.postLogoutRedirectUris, []);
    } finally {
      await store.close();
    }
  });

  it('adds a public client without a secret, and honours the extension flags', async () => {
    const db = freshDb();
    const result = await codegrant([
      'clients',
      'add',
      '--public',
      '--first-party',
      '--redirect-uri',
      'com.example.app:/oauth2redirect',
      '--redirect-uri',
      'http://127.0.0.1/callback',
      '--redirect-uri',
      'http://[::1]/callback',
      '--id-token-alg',
      'RS256',
      '--always-refresh-token',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(output), ['client_id']);
    const store = await openSqliteStore(db);
    try {
      const client = await store.findClient(output.client_id!);
      assert.ok(client);
      assert.equal(client.clientSecretHash, null);
      assert.equal(client.tokenEndpointAuthMethod, 'none');
      assert.equal(client.firstParty, true);
      assert.equal(client.idTokenSignedResponseAlg, 'RS256');
      assert.equal(client.alwaysIssueRefreshToken, true);
    } finally {
      await store.close();
    }
  });

  it('registers post-logout redirect URIs, the client_credentials grant and a PKCE exemption', async () => {
    const db = freshDb();
    const result = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'https://app.example.com/cb',
      '--post-logout-redirect-uri',
      'https://app.example.com/bye',
      '--client-credentials',
      '--allow-missing-pkce',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const { client_id: clientId } = JSON.parse(result.stdout) as Record<string, string>;
    const store = await openSqliteStore(db);
    try {
      const client = await store.findClient(clientId!);
      assert.deepEqual(client?.postLogoutRedirectUris, ['https://app.example.com/bye']);
      assert.deepEqual(client?.grantTypes, ['authorization_code', 'refresh_token', 'client_credentials']);
      assert.equal(client?.allowMissingPkce, true);
    } finally {
      await store.close();
    }
    const publicRefusals: [string, RegExp][] = [
      ['--client-credentials', /cannot use --client-credentials/],
      ['--allow-missing-pkce', /must use PKCE/],
    ];
    for (const [flag, pattern] of publicRefusals) {
      const args = ['clients', 'add', '--redirect-uri', 'https://a.example/cb', '--public', flag];
      assertFailure(await codegrant([...args, '--db', db]), 2, pattern);
    }
    assertFailure(
      await codegrant([
        'clients',
        'add',
        '--redirect-uri',
        'https://a.example/cb',
        '--post-logout-redirect-uri',
        'javascript:alert(1)',
        '--db',
        db,
      ]),
      1,
      /post-logout redirect URI/,
    );
  });

  it('keeps a chosen client id and secret, and refuses a duplicate id', async () => {
    const db = freshDb();
    const secret = 'a-chosen-secret-of-exactly-32-ch';
    const args = [
      'clients',
      'add',
      '--redirect-uri',
      'https://app.example.com/cb',
      '--client-id',
      'my-app',
      '--db',
      db,
    ];
    const result = await codegrant([...args, '--client-secret', secret]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { client_id: 'my-app', client_secret: secret });
    assertFailure(await codegrant(args), 1, /a client with id "my-app" already exists/);
  });

  it('takes the secret from CODEGRANT_CLIENT_SECRET', async () => {
    const secret = 'x'.repeat(40);
    const result = await codegrant(
      ['clients', 'add', '--redirect-uri', 'https://a.example/cb', '--db', freshDb()],
      {
        env: { CODEGRANT_CLIENT_SECRET: secret },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { client_secret: string }).client_secret, secret);
  });

  it('refuses a chosen secret shorter than 32 characters, and a secret for a public client', async () => {
    const base = ['clients', 'add', '--redirect-uri', 'https://app.example.com/cb', '--db', freshDb()];
    assertFailure(await codegrant([...base, '--client-secret', 'x'.repeat(31)]), 1, /at least 32 characters/);
    const publicWithSecret = await codegrant([...base, '--public', '--client-secret', 'x'.repeat(40)]);
    assert.notEqual(publicWithSecret.code, 0);
    assert.equal(publicWithSecret.stdout, '');
    assert.match(publicWithSecret.stderr, /--public client has no --client-secret/);
  });

  it('refuses unusable redirect URIs', async () => {
    const db = freshDb();
    const refused: [string, RegExp][] = [
      ['javascript:alert(1)', /javascript: scheme/],
      ['data:text/html,<script>alert(1)</script>', /data: scheme/],
      ['http://app.example.com/cb', /uses http on a host other than/],
      ['https://app.example.com/cb#fragment', /fragment/],
      ['myapp:/cb', /private-use scheme with a dot/],
      ['/callback', /not an absolute URL/],
      ['https://user:pw@app.example.com/cb', /credentials/],
      [' https://app.example.com/cb', /spaces/],
    ];
    for (const [uri, pattern] of refused) {
      const result = await codegrant(['clients', 'add', '--redirect-uri', uri, '--db', db]);
      assertFailure(result, 1, pattern);
    }
    // One bad URI among good ones refuses the client.
    const mixed = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'https://app.example.com/cb',
      '--redirect-uri',
      'http://evil.example/cb',
      '--db',
      db,
    ]);
    assert.equal(mixed.code, 1);
    assert.equal((await codegrant(['clients', 'list', '--json', '--db', db])).stdout, '');
  });

  it('lists clients without secrets, and removes them', async () => {
    const db = freshDb();
    const confidential = JSON.parse(
      (
        await codegrant([
          'clients',
          'add',
          '--redirect-uri',
          'https://a.example/cb',
          '--name',
          'A',
          '--db',
          db,
        ])
      ).stdout,
    ) as { client_id: string; client_secret: string };
    const spa = JSON.parse(
      (await codegrant(['clients', 'add', '--public', '--redirect-uri', 'https://b.example/cb', '--db', db]))
        .stdout,
    ) as { client_id: string };

    const json = await codegrant(['clients', 'list', '--json', '--db', db]);
    assert.equal(json.code, 0);
    const clients = parseJsonLines(json.stdout);
    assert.equal(clients.length, 2);
    const listed = clients.find((client) => client.client_id === confidential.client_id);
    assert.ok(listed);
    assert.equal(listed.client_name, 'A');
    assert.equal(listed.type, 'confidential');
    assert.deepEqual(listed.redirect_uris, ['https://a.example/cb']);
    const table = await codegrant(['clients', 'list', '--db', db]);
    assert.match(table.stdout, /^CLIENT_ID\s+TYPE/);
    assert.match(table.stdout, new RegExp(`${spa.client_id}\\s+public`));
    for (const output of [json.stdout, table.stdout]) {
      assert.ok(!output.includes(confidential.client_secret));
      assert.ok(!output.includes(sha256(confidential.client_secret)));
    }

    assert.equal((await codegrant(['clients', 'remove', spa.client_id, '--db', db])).code, 0);
    assertFailure(await codegrant(['clients', 'remove', spa.client_id, '--db', db]), 1, /no client/);
    const remaining = parseJsonLines((await codegrant(['clients', 'list', '--json', '--db', db])).stdout);
    assert.deepEqual(
      remaining.map((client) => client.client_id),
      [confidential.client_id],
    );
  });
});

describe('migrate', () => {
  it('creates and migrates the database, and says which', async () => {
    const db = freshDb();
    const result = await codegrant(['migrate', '--db', db]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(db));
    assert.ok(existsSync(db));
    assert.equal((await codegrant(['migrate', '--db', db])).code, 0, 'migrating twice is harmless');
  });
});

describe('serve', () => {
  it('serves discovery, accepts a client added while it runs, and stops cleanly on SIGTERM', async () => {
    const db = freshDb();
    const port = await freePort();
    const serving = await startServe(['--port', String(port), '--db', db]);
    try {
      const issuer = `http://localhost:${port}`;
      const base = `http://127.0.0.1:${port}`;
      assert.match(
        serving.stderr(),
        new RegExp(`listening on http://127\\.0\\.0\\.1:${port} \\(issuer ${issuer};`),
      );

      const discovery = await fetch(`${base}/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, issuer);

      const redirectUri = 'http://127.0.0.1:8080/callback';
      const added = await codegrant([
        'clients',
        'add',
        '--public',
        '--redirect-uri',
        redirectUri,
        '--db',
        db,
      ]);
      assert.equal(added.code, 0, added.stderr);
      const { client_id: clientId } = JSON.parse(added.stdout) as { client_id: string };

      const authorize = (id: string) =>
        fetch(
          `${base}/authorize?${new URLSearchParams({
            client_id: id,
            redirect_uri: redirectUri,
            response_type: 'code',
            code_challenge: CHALLENGE,
            code_challenge_method: 'S256',
            scope: 'openid',
          })}`,
          { redirect: 'manual' },
        );
      const response = await authorize(clientId);
      assert.equal(response.status, 303);
      assert.ok(response.headers.get('location')?.startsWith(`${issuer}/interaction/`));
      assert.equal((await authorize('not-registered')).status, 400);

      // One JSON line per request on stdout.
      const log = parseJsonLines(serving.stdout());
      assert.ok(log.some((line) => line.path === '/.well-known/openid-configuration' && line.status === 200));
      assert.ok(log.some((line) => line.path === '/authorize' && line.status === 303));
    } finally {
      await stopServe(serving);
    }
  });

  it('honours CODEGRANT_PORT, CODEGRANT_ISSUER and CODEGRANT_LOG=off', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const serving = await startServe([], {
      CODEGRANT_PORT: String(port),
      CODEGRANT_ISSUER: issuer,
      CODEGRANT_DB: freshDb(),
      CODEGRANT_LOG: 'off',
      CODEGRANT_CODE_TTL: '30',
    });
    try {
      const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, issuer);
      assert.equal(serving.stdout(), '');
    } finally {
      await stopServe(serving);
    }
  });

  it('serves extra scopes, and binds tokens to --default-resource when a client names none', async () => {
    const db = freshDb();
    const mcp = 'https://mcp.example.com/mcp';
    const added = await codegrant([
      'clients',
      'add',
      '--db',
      db,
      '--redirect-uri',
      'https://app.example.com/cb',
      '--client-credentials',
    ]);
    const { client_id, client_secret } = JSON.parse(added.stdout) as Record<string, string>;
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const serving = await startServe([
      '--port',
      String(port),
      '--db',
      db,
      '--log',
      'off',
      '--scope',
      'mcp:tools',
      '--default-resource',
      mcp,
    ]);
    try {
      const metadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as {
        scopes_supported: string[];
      };
      assert.deepEqual(metadata.scopes_supported, [
        'openid',
        'profile',
        'email',
        'offline_access',
        'mcp:tools',
      ]);
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`${client_id}:${client_secret}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=mcp:tools',
      });
      const tokens = (await response.json()) as { access_token: string; scope: string };
      assert.equal(response.status, 200, JSON.stringify(tokens));
      assert.equal(tokens.scope, 'mcp:tools');
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
      assert.equal(claims.aud, mcp);
    } finally {
      await stopServe(serving);
    }
  });

  it('fails in one line on a port in use, an unusable issuer or an unreachable PostgreSQL server', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    try {
      const { port } = busy.address() as { port: number };
      assertFailure(
        await codegrant(['serve', '--port', String(port), '--db', freshDb()]),
        1,
        /already in use/,
      );
    } finally {
      busy.close();
    }
    assertFailure(
      await codegrant(['serve', '--issuer', 'http://id.example.com', '--db', freshDb()]),
      1,
      /issuer must use https/,
    );
    assertFailure(
      await codegrant(['serve', '--db', 'postgresql://localhost:1/codegrant']),
      1,
      /cannot open the PostgreSQL schema public of database codegrant on localhost:1: /,
    );
  });
});

describe('keys', () => {
  it('rotates: new keys sign, the previous ones stay listed as retired; encrypted with CODEGRANT_KEY_SECRET', async () => {
    const db = freshDb();
    const first = await codegrant(['keys', 'rotate', '--db', db]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^ES256 \S+\nRS256 \S+\n$/);
    const second = await codegrant(['keys', 'rotate', '--db', db], {
      env: { CODEGRANT_KEY_SECRET: 'a secret that is long enough' },
    });
    assert.equal(second.code, 0, second.stderr);
    const listed = (await codegrant(['keys', 'list', '--json', '--db', db])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; encrypted: boolean; kid: string });
    assert.equal(listed.length, 4);
    assert.deepEqual(
      listed.map((key) => [key.status, key.encrypted]),
      [
        ['retired', false],
        ['retired', false],
        ['active', true],
        ['active', true],
      ],
    );
    assert.ok(second.stdout.includes(listed[2]!.kid));
  });
});

/**
 * The `codegrant` executable against PostgreSQL: `--db postgres://…?schema=NAME` (or CODEGRANT_DB)
 * on the test server of `server/test/helpers/postgres.ts`, each test in a fresh schema.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '@codegrant/server';
import { openPostgresStore } from '@codegrant/server/postgres';
import { migrations } from '../../server/src/store/migrations.ts';
import { startTestPostgres, type TestPostgres } from '../../server/test/helpers/postgres.ts';
import { assertFailure, codegrant, removeTempDir } from './helpers/cli.ts';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg.dispose();
  await removeTempDir();
});

/** A `--db` URL naming a fresh schema on the test server, and that schema. */
function freshSchema(): { db: string; schema: string } {
  const schema = pg.schemaName();
  const url = new URL(pg.url);
  url.searchParams.set('schema', schema);
  return { db: url.href, schema };
}

/** Opens the store the CLI wrote to, for checks the CLI's output does not show. */
function openSchema(schema: string) {
  return openPostgresStore(pg.url, { schema });
}

function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('migrate --db postgres://…', () => {
  it('creates the schema named by ?schema= and migrates it once, naming it without a password', async () => {
    const { db, schema } = freshSchema();
    for (let run = 0; run < 2; run++) {
      const result = await codegrant(['migrate', '--db', db]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        `PostgreSQL schema ${schema} of database ${new URL(pg.url).pathname.slice(1)} on ${new URL(pg.url).host} is up to date\n`,
      );
    }
    const applied = await pg.sql`SELECT id, name FROM ${pg.sql(schema)}.schema_migrations ORDER BY id`;
    assert.deepEqual(
      [...applied],
      migrations.map(({ id, name }) => ({ id, name })),
    );
  });

  it('takes a postgresql:// URL from CODEGRANT_DB', async () => {
    const { db, schema } = freshSchema();
    const result = await codegrant(['migrate'], {
      env: { CODEGRANT_DB: db.replace(/^postgres:/, 'postgresql:') },
    });
    assert.equal(result.code, 0, result.stderr);
    const [tables] = await pg.sql`SELECT COUNT(*)::int AS count FROM pg_tables WHERE schemaname = ${schema}`;
    assert.ok(Number(tables?.count) > 1);
  });

  it('reports a server it cannot reach in one line, without the password', async () => {
    const result = await codegrant([
      'migrate',
      '--db',
      'postgres://codegrant:hunter2secret@127.0.0.1:1/codegrant',
    ]);
    assertFailure(
      result,
      1,
      /^codegrant migrate: cannot open the PostgreSQL schema public of database codegrant on 127\.0\.0\.1:1: /,
    );
    assert.doesNotMatch(result.stderr, /hunter2secret/);
  });
});

describe('users and clients on PostgreSQL', () => {
  it('adds and lists users, the password stored hashed, a taken username refused', async () => {
    const { db, schema } = freshSchema();
    const added = await codegrant([
      'users',
      'add',
      'alice',
      '--password',
      'correct horse battery',
      '--email',
      'alice@example.com',
      '--db',
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(
      (
        await codegrant(['users', 'add', 'bob'], {
          env: { CODEGRANT_DB: db, CODEGRANT_PASSWORD: 'hunter2hunter2' },
        })
      ).code,
      0,
    );
    assertFailure(
      await codegrant(['users', 'add', 'alice', '--password', 'another password', '--db', db]),
      1,
      /a user named "alice" already exists in the PostgreSQL schema test_/,
    );

    const listed = await codegrant(['users', 'list', '--json', '--db', db]);
    assert.equal(listed.code, 0, listed.stderr);
    const users = parseJsonLines(listed.stdout);
    assert.deepEqual(
      users.map((user) => user.username),
      ['alice', 'bob'],
    );
    assert.equal(users[0]?.email, 'alice@example.com');

    const store = await openSchema(schema);
    try {
      const alice = await store.findUserByUsername('alice');
      assert.equal(alice?.id, users[0]?.id);
      assert.match(alice?.passwordHash ?? '', /^scrypt\$/);
    } finally {
      await store.close();
    }
  });

  it('adds a confidential client: one JSON object on stdout, the secret stored as its SHA-256', async () => {
    const { db, schema } = freshSchema();
    const result = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'https://app.example.com/callback',
      '--first-party',
      '--name',
      'Example App',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trimEnd().split('\n').length, 1);
    const output = JSON.parse(result.stdout) as { client_id: string; client_secret: string };

    const store = await openSchema(schema);
    try {
      const client = await store.findClient(output.client_id);
      assert.ok(client);
      assert.equal(client.clientSecretHash, sha256(output.client_secret));
      assert.deepEqual(client.redirectUris, ['https://app.example.com/callback']);
      assert.equal(client.name, 'Example App');
      assert.equal(client.firstParty, true);
      assert.equal(client.allowMissingPkce, false);
    } finally {
      await store.close();
    }
  });
});

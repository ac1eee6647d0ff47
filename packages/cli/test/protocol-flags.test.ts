/**
 * The protocol flags of `codegrant serve` and `codegrant clients add`: `--require-par` (pushed
 * authorization requests required) and `--token-exchange` (RFC 8693 on, and a client registered for it).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { codegrant, freePort, freshDb, removeTempDir, startServe, stopServe } from './helpers/cli.ts';

after(removeTempDir);

describe('protocol flags', () => {
  it('clients add --require-par stores the requirement; serve --require-par advertises it for all', async () => {
    const db = freshDb();
    const added = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'https://app.example.com/cb',
      '--require-par',
      '--db',
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    const { client_id: clientId } = JSON.parse(added.stdout) as { client_id: string };
    const store = await openSqliteStore(db);
    try {
      assert.equal((await store.findClient(clientId))?.requirePushedAuthorizationRequests, true);
    } finally {
      await store.close();
    }

    const port = await freePort();
    const serving = await startServe(['--port', String(port), '--db', db, '--require-par']);
    try {
      const metadata = (await (
        await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      assert.equal(metadata.require_pushed_authorization_requests, true);
      assert.equal(metadata.pushed_authorization_request_endpoint, `http://localhost:${port}/par`);
    } finally {
      await stopServe(serving);
    }
  });

  it('serve --token-exchange advertises the grant; clients add --token-exchange registers a client for it', async () => {
    const db = freshDb();
    const added = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'https://agent.example.com/cb',
      '--token-exchange',
      '--db',
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    const { client_id: clientId } = JSON.parse(added.stdout) as { client_id: string };
    const store = await openSqliteStore(db);
    try {
      assert.ok(
        (await store.findClient(clientId))?.grantTypes.includes(
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ),
      );
    } finally {
      await store.close();
    }
    const refused = await codegrant([
      'clients',
      'add',
      '--redirect-uri',
      'http://127.0.0.1/cb',
      '--public',
      '--token-exchange',
      '--db',
      db,
    ]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot use --token-exchange/);

    const port = await freePort();
    const serving = await startServe([
      '--port',
      String(port),
      '--db',
      db,
      '--token-exchange',
      '--admin-console',
      'off',
    ]);
    try {
      const metadata = (await (
        await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)
      ).json()) as {
        grant_types_supported: string[];
      };
      assert.ok(metadata.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:token-exchange'));
    } finally {
      await stopServe(serving);
    }
  });

  it('serve --admin-console off: no console, even with an administrator', async () => {
    const db = freshDb();
    assert.equal(
      (
        await codegrant([
          'users',
          'add',
          'ada',
          '--password',
          'ada has a long password',
          '--admin',
          '--db',
          db,
        ])
      ).code,
      0,
    );
    for (const [flag, status] of [
      ['on', 303],
      ['off', 404],
    ] as const) {
      const port = await freePort();
      const serving = await startServe(['--port', String(port), '--db', db, '--admin-console', flag]);
      try {
        assert.equal(
          (await fetch(`http://127.0.0.1:${port}/admin`, { redirect: 'manual' })).status,
          status,
          flag,
        );
      } finally {
        await stopServe(serving);
      }
    }
  });
});

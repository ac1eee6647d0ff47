/**
 * The protocol flags of `codegrant serve` and `codegrant clients add`: `--require-par` (pushed
 * authorization requests required), `--token-exchange` (RFC 8693 on, and a client registered for
 * it) and `--device-flow` (RFC 8628 on, and a client registered for it, redirect URIs optional).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ClientRecord } from '@codegrant/server';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { codegrant, freePort, freshDb, removeTempDir, startServe, stopServe } from './helpers/cli.ts';

after(removeTempDir);

/** Runs `clients add` with `flag` on `db`; the stored client record. */
async function addClientWith(db: string, flag: string): Promise<ClientRecord> {
  const added = await codegrant([
    'clients',
    'add',
    '--redirect-uri',
    'https://app.example.com/cb',
    flag,
    '--db',
    db,
  ]);
  assert.equal(added.code, 0, added.stderr);
  const { client_id: clientId } = JSON.parse(added.stdout) as { client_id: string };
  const store = await openSqliteStore(db);
  try {
    return (await store.findClient(clientId))!;
  } finally {
    await store.close();
  }
}

/** The discovery document of `codegrant serve` started on `db` with `flags`. */
async function servedMetadata(
  db: string,
  flags: string[],
): Promise<{ port: number; metadata: Record<string, unknown> }> {
  const port = await freePort();
  const serving = await startServe(['--port', String(port), '--db', db, ...flags]);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    return { port, metadata: (await response.json()) as Record<string, unknown> };
  } finally {
    await stopServe(serving);
  }
}

describe('protocol flags', () => {
  it('clients add --require-par stores the requirement; serve --require-par advertises it for all', async () => {
    const db = freshDb();
    assert.equal((await addClientWith(db, '--require-par')).requirePushedAuthorizationRequests, true);
    const { port, metadata } = await servedMetadata(db, ['--require-par']);
    assert.equal(metadata.require_pushed_authorization_requests, true);
    assert.equal(metadata.pushed_authorization_request_endpoint, `http://localhost:${port}/par`);
  });

  it('serve --token-exchange advertises the grant; clients add --token-exchange registers a client for it', async () => {
    const db = freshDb();
    const client = await addClientWith(db, '--token-exchange');
    assert.ok(client.grantTypes.includes('urn:ietf:params:oauth:grant-type:token-exchange'));
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

    const { metadata } = await servedMetadata(db, ['--token-exchange', '--admin-console', 'off']);
    assert.ok(
      (metadata.grant_types_supported as string[]).includes(
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ),
    );
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

  it('serve --device-flow serves the device grant; clients add --device-flow registers a client without redirect URIs', async () => {
    const db = freshDb();
    const added = await codegrant([
      'clients',
      'add',
      '--public',
      '--device-flow',
      '--name',
      'Deploy CLI',
      '--db',
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    const { client_id: clientId } = JSON.parse(added.stdout) as { client_id: string };
    const store = await openSqliteStore(db);
    try {
      const client = await store.findClient(clientId);
      assert.deepEqual(client?.grantTypes, ['refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);
      assert.deepEqual(client?.redirectUris, []);
    } finally {
      await store.close();
    }
    const withRedirects = await addClientWith(db, '--device-flow');
    assert.ok(
      withRedirects.grantTypes.includes('authorization_code'),
      'with a redirect URI, the code grant too',
    );
    const refused = await codegrant(['clients', 'add', '--public', '--db', db]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--redirect-uri is required .*unless --device-flow/);

    const port = await freePort();
    const serving = await startServe([
      '--port',
      String(port),
      '--db',
      db,
      '--device-flow',
      '--admin-console',
      'off',
    ]);
    try {
      const metadata = (await (
        await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      assert.equal(metadata.device_authorization_endpoint, `http://localhost:${port}/device_authorization`);
      const started = await fetch(`http://127.0.0.1:${port}/device_authorization`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, scope: 'openid' }),
      });
      assert.equal(started.status, 200);
      const body = (await started.json()) as { verification_uri: string; user_code: string };
      assert.equal(body.verification_uri, `http://localhost:${port}/device`);
      assert.match(body.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    } finally {
      await stopServe(serving);
    }
    const { metadata } = await servedMetadata(db, ['--admin-console', 'off']);
    assert.equal(metadata.device_authorization_endpoint, undefined, 'off without the flag');
  });
});

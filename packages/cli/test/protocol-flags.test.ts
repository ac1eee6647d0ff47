/**
 * The protocol flags of `codegrant serve` and `codegrant clients add`: `--require-par` (pushed
 * authorization requests required), `--token-exchange` (RFC 8693 on, and a client registered for
 * it) and `--backchannel-logout` / `--backchannel-logout-uri` (OpenID Connect Back-Channel Logout).
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

  it('clients add --backchannel-logout-uri registers where logout tokens go; serve --backchannel-logout off stops advertising it', async () => {
    const db = freshDb();
    const add = (...flags: string[]) =>
      codegrant(['clients', 'add', '--redirect-uri', 'https://app.example.com/cb', ...flags, '--db', db]);
    const added = await add(
      '--backchannel-logout-uri',
      'https://app.example.com/backchannel-logout',
      '--backchannel-logout-session-required',
    );
    assert.equal(added.code, 0, added.stderr);
    const { client_id: clientId } = JSON.parse(added.stdout) as { client_id: string };
    const store = await openSqliteStore(db);
    try {
      const client = await store.findClient(clientId);
      assert.equal(client?.backchannelLogoutUri, 'https://app.example.com/backchannel-logout');
      assert.equal(client?.backchannelLogoutSessionRequired, true);
    } finally {
      await store.close();
    }
    assert.equal((await add('--backchannel-logout-uri', 'http://localhost:3000/logout')).code, 0);
    const plainHttp = await add('--backchannel-logout-uri', 'http://app.example.com/logout');
    assert.notEqual(plainHttp.code, 0);
    assert.match(plainHttp.stderr, /use https/);
    const alone = await add('--backchannel-logout-session-required');
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /needs --backchannel-logout-uri/);
    const listed = await codegrant(['clients', 'list', '--json', '--db', db]);
    assert.match(listed.stdout, /"backchannel_logout_uri":"https:\/\/app\.example\.com\/backchannel-logout"/);

    assert.equal((await servedMetadata(db, [])).metadata.backchannel_logout_supported, true);
    const off = await servedMetadata(db, ['--backchannel-logout', 'off']);
    assert.equal(off.metadata.backchannel_logout_supported, undefined);
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

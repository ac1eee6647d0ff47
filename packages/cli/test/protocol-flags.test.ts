/**
 * The protocol flags of `codegrant serve` and `codegrant clients add`: `--require-par` (pushed
 * authorization requests required), `--token-exchange` (RFC 8693 on, and a client registered for
 * it), `--device-flow` (RFC 8628 on, and a client registered for it, redirect URIs optional),
 * `--subject-type pairwise` with `--sector-identifier-uri` and `serve --pairwise-subjects`, and
 * `--backchannel-logout` / `--backchannel-logout-uri` (OpenID Connect Back-Channel Logout).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { ClientRecord } from '@codegrant/server';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { codegrant, freePort, freshDb, removeTempDir, startServe, stopServe } from './helpers/cli.ts';

after(removeTempDir);

/** Runs `clients add` with `flags` on `db`; the stored client record. */
async function addClientWith(db: string, ...flags: string[]): Promise<ClientRecord> {
  const added = await codegrant([
    'clients',
    'add',
    '--redirect-uri',
    'https://app.example.com/cb',
    ...flags,
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

  it('clients add --subject-type pairwise: the sector is the redirect host, or the host of a sector_identifier_uri listing them all', async () => {
    const db = freshDb();
    const byHost = await addClientWith(db, '--subject-type', 'pairwise');
    assert.equal(byHost.subjectType, 'pairwise');
    assert.equal(byHost.sectorIdentifier, 'app.example.com');
    assert.equal((await addClientWith(db)).subjectType, 'public', 'public by default');

    const documents = createServer((request, response) => {
      const listed =
        request.url === '/all.json'
          ? ['https://app.example.com/cb', 'https://other.example.com/cb']
          : ['https://app.example.com/cb'];
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listed));
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
    try {
      const withDocument = await addClientWith(
        db,
        '--redirect-uri',
        'https://other.example.com/cb',
        '--subject-type',
        'pairwise',
        '--sector-identifier-uri',
        `${base}/all.json`,
      );
      assert.equal(withDocument.sectorIdentifier, '127.0.0.1');
      assert.equal(withDocument.metadata.sector_identifier_uri, `${base}/all.json`);

      const add = (...flags: string[]) =>
        codegrant([
          'clients',
          'add',
          '--redirect-uri',
          'https://app.example.com/cb',
          '--redirect-uri',
          'https://other.example.com/cb',
          ...flags,
          '--db',
          db,
        ]);
      const omitted = await add('--subject-type', 'pairwise', '--sector-identifier-uri', `${base}/one.json`);
      assert.equal(omitted.code, 1);
      assert.match(omitted.stderr, /does not list the redirect URI https:\/\/other\.example\.com\/cb/);
      const twoHosts = await add('--subject-type', 'pairwise');
      assert.equal(twoHosts.code, 1);
      assert.match(twoHosts.stderr, /several hosts/);
      const notPairwise = await add('--sector-identifier-uri', `${base}/all.json`);
      assert.equal(notPairwise.code, 2);
      assert.match(notPairwise.stderr, /--sector-identifier-uri is for --subject-type pairwise/);
    } finally {
      await new Promise((resolve) => documents.close(resolve));
    }
  });

  it('serve offers pairwise subjects and the claims parameter; --pairwise-subjects off offers public only', async () => {
    const db = freshDb();
    const on = await servedMetadata(db, ['--admin-console', 'off']);
    assert.deepEqual(on.metadata.subject_types_supported, ['public', 'pairwise']);
    assert.equal(on.metadata.claims_parameter_supported, true);
    const off = await servedMetadata(db, ['--pairwise-subjects', 'off', '--admin-console', 'off']);
    assert.deepEqual(off.metadata.subject_types_supported, ['public']);
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

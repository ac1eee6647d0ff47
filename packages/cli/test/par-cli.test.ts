/** `--require-par` of `codegrant serve` and `codegrant clients add`: pushed authorization requests required. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { codegrant, freePort, freshDb, removeTempDir, startServe, stopServe } from './helpers/cli.ts';

after(removeTempDir);

describe('--require-par', () => {
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
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuthorizationServer, rotateSigningKeys } from '@codegrant/server';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const leo = { username: 'leo', password: 'leo has a long password' };

describe('signing key rotation', () => {
  let server: TestServer;
  let now = Math.floor(Date.now() / 1000);
  let client: { clientId: string; clientSecret: string };

  before(async () => {
    server = await startTestServer({ now: () => now });
    await addUser(server.store, leo.username, leo.password);
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    client = { clientId: added.clientId, clientSecret: added.clientSecret! };
  });
  after(() => server.close());

  async function tokens(): Promise<{ access_token: string; id_token: string }> {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, leo);
    return (await tokenRequest(server.issuer, codeExchange(obtained), client)).json();
  }
  const jwks = async () => (await fetch(`${server.issuer}/jwks`)).json();

  it('signs with the new keys after a reload; old tokens keep verifying until their keys expire', async () => {
    const before = await tokens();
    const oldKid = decodeProtectedHeader(before.access_token).kid;

    const created = await rotateSigningKeys(server.store, now);
    await server.server.reloadKeys();
    const published = (await jwks()).keys.map((key: { kid: string }) => key.kid);
    assert.ok(published.includes(oldKid), 'the retired key stays published');
    for (const key of created) assert.ok(published.includes(key.kid));

    const after = await tokens();
    const newKid = decodeProtectedHeader(after.access_token).kid;
    assert.equal(newKid, created.find((key) => key.alg === 'ES256')!.kid);
    const userinfo = await fetch(`${server.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${before.access_token}` },
    });
    assert.equal(userinfo.status, 200, 'a token signed before the rotation still works');
    await jwtVerify(before.id_token, createLocalJWKSet(await jwks()), { currentDate: new Date(now * 1000) });

    now += 3600 + 61;
    assert.ok((await server.server.sweep()) >= 2, 'the retired keys were deleted');
    await server.server.reloadKeys();
    const remaining = (await jwks()).keys.map((key: { kid: string }) => key.kid);
    assert.ok(!remaining.includes(oldKid));
    assert.equal(remaining.length, 2);
  });
});

describe('signing keys on a new database', () => {
  it('are created once when several processes start together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codegrant-keys-'));
    const stores = await Promise.all([1, 2, 3].map(() => openSqliteStore(join(dir, 'shared.db'))));
    try {
      const servers = await Promise.all(
        stores.map((store) => createAuthorizationServer({ issuer: 'http://localhost:4000', store })),
      );
      const published = await Promise.all(
        servers.map(async (server) => (await server.fetch(new Request('http://localhost:4000/jwks'))).json()),
      );
      assert.equal(
        (await stores[0]!.listSigningKeys()).length,
        2,
        'one key per algorithm, not one per process',
      );
      assert.deepEqual(published[1], published[0]);
      assert.deepEqual(published[2], published[0]);
    } finally {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

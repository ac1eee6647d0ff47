import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthorizationServer, MemoryStore } from '@codegrant/server';
import { KeyEncryption } from '../src/keys/key-encryption.ts';

const SECRET = 'a key-encryption secret of some length';

describe('signing keys encrypted at rest', () => {
  it('round-trips, and refuses a wrong secret, another key id or an altered ciphertext', async () => {
    const encryption = new KeyEncryption(SECRET);
    const sealed = await encryption.encrypt('kid-1', '{"d":"private"}');
    assert.match(sealed, /^enc:v1:/);
    assert.ok(!sealed.includes('private'));
    assert.equal(await encryption.decrypt('kid-1', sealed), '{"d":"private"}');
    await assert.rejects(
      new KeyEncryption('another secret, also long').decrypt('kid-1', sealed),
      /cannot be decrypted/,
    );
    await assert.rejects(encryption.decrypt('kid-2', sealed), /cannot be decrypted/);
    const altered = `${sealed.slice(0, -4)}AAAA`;
    await assert.rejects(encryption.decrypt('kid-1', altered), /cannot be decrypted/);
  });

  it('refuses a short secret', () => {
    assert.throws(() => new KeyEncryption('short'), TypeError);
  });

  it('stores new keys encrypted, serves with them, and needs the secret on the next start', async () => {
    const store = new MemoryStore();
    const issuer = 'http://localhost:4000';
    const server = await createAuthorizationServer({ issuer, store, keyEncryptionSecret: SECRET });
    const rows = await store.listSigningKeys();
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.match(row.privateJwk, /^enc:v1:/);
      assert.ok(!row.privateJwk.includes('"d"'));
    }
    assert.equal((await server.fetch(new Request(`${issuer}/jwks`))).status, 200);

    await assert.rejects(
      createAuthorizationServer({ issuer, store }),
      /encrypted: set the key-encryption secret/,
    );
    await assert.rejects(
      createAuthorizationServer({ issuer, store, keyEncryptionSecret: 'the wrong secret, long enough' }),
      /cannot be decrypted/,
    );
    const again = await createAuthorizationServer({ issuer, store, keyEncryptionSecret: SECRET });
    assert.deepEqual(
      await (await again.fetch(new Request(`${issuer}/jwks`))).json(),
      await (await server.fetch(new Request(`${issuer}/jwks`))).json(),
    );
  });
});

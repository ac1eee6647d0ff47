import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyDecoyPassword, verifyPassword } from '../src/interaction/password.ts';
import { threadPoolSizeForCores } from '../src/node.ts';
import { runOnOneThreadPool } from './helpers/one-thread-pool.ts';

describe('password hashing on threads of its own', () => {
  it('hashes and verifies: the right password matches, another does not, unknown users cost a check', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
    assert.equal(await verifyDecoyPassword('anything'), false);
  });

  it('hashes in parallel: eight concurrent hashes all answer, each its own salt', async () => {
    const hashes = await Promise.all(Array.from({ length: 8 }, (_, i) => hashPassword(`password ${i}`)));
    assert.equal(new Set(hashes).size, 8);
    const checks = await Promise.all(hashes.map((hash, i) => verifyPassword(`password ${i}`, hash)));
    assert.deepEqual(checks, Array(8).fill(true));
  });

  it('a hash scrypt refuses (a cost that is not a power of 2) rejects, and the next hash works', async () => {
    // A stored hash with impossible parameters (a tampered row): the check fails loudly, not as a mismatch.
    await assert.rejects(verifyPassword('x', 'scrypt$3$8$1$c2FsdHNhbHRzYWx0$aGFzaA'), /scrypt failed/);
    assert.match(await hashPassword('still works'), /^scrypt\$/);
  });

  it('keeps libuv’s thread pool free: with a pool of one thread, a signature never waits for a hash', async () => {
    const script = `
      const { sign, generateKeyPairSync } = await import('node:crypto');
      const { hashPassword } = await import(${JSON.stringify(new URL('../src/interaction/password.ts', import.meta.url).href)});
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const started = performance.now();
      const hashed = hashPassword('a password').then(() => performance.now() - started);
      // Queued on the pool right behind the hash, were the hash on the pool.
      const signed = new Promise((resolve) =>
        sign('sha256', Buffer.from('data'), privateKey, () => resolve(performance.now() - started)),
      );
      console.log(JSON.stringify({ hashMs: await hashed, signMs: await signed }));`;
    const stdout = await runOnOneThreadPool(script);
    const { hashMs, signMs } = JSON.parse(stdout) as { hashMs: number; signMs: number };
    assert.ok(signMs < hashMs, `the signature (${signMs} ms) waited for the hash (${hashMs} ms)`);
  });

  it('sizes the pool one thread below the cores, at least one', () => {
    assert.equal(threadPoolSizeForCores(1), 1);
    assert.equal(threadPoolSizeForCores(2), 1);
    assert.equal(threadPoolSizeForCores(8), 7);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemoryWebStorage, WebStorageStateStore } from '../src/index.ts';
import { defaultWebStorage } from '../src/storage.ts';

test('InMemoryWebStorage behaves as Storage', () => {
  const storage = new InMemoryWebStorage();
  storage.setItem('a', '1');
  storage.setItem('b', '2');
  assert.equal(storage.length, 2);
  assert.equal(storage.getItem('a'), '1');
  assert.equal(storage.getItem('missing'), null);
  assert.equal(storage.key(1), 'b');
  assert.equal(storage.key(5), null);
  storage.removeItem('a');
  assert.equal(storage.length, 1);
  storage.clear();
  assert.equal(storage.length, 0);
});

test('without a window, the default storage is in memory', () => {
  assert.equal(typeof window, 'undefined');
  assert.ok(defaultWebStorage() instanceof InMemoryWebStorage);
});

test('WebStorageStateStore prefixes its keys and lists only its own', async () => {
  const storage = new InMemoryWebStorage();
  storage.setItem('unrelated', 'x');
  const store = new WebStorageStateStore({ store: storage, prefix: 'app.' });
  await store.set('user', 'u');
  await store.set('request.1', 'r');
  assert.equal(storage.getItem('app.user'), 'u');
  assert.equal(await store.get('user'), 'u');
  assert.deepEqual((await store.getAllKeys()).sort(), ['request.1', 'user']);
  assert.equal(await store.remove('user'), 'u', 'remove resolves with the removed value');
  assert.equal(await store.remove('user'), null);
  assert.equal(await store.get('user'), null);
  assert.equal(storage.getItem('unrelated'), 'x');
});

test('WebStorageStateStore defaults: prefix cg., storage in memory without a window', async () => {
  const store = new WebStorageStateStore();
  await store.set('k', 'v');
  assert.deepEqual(await store.getAllKeys(), ['k']);
  assert.equal(await new WebStorageStateStore().get('k'), null, 'each default in-memory store is its own');
});

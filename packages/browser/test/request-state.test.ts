import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import { WebStorageStateStore } from '../src/index.ts';
import { clearStaleRequests, kindOf, newState, saveRequest, takeRequest } from '../src/request-state.ts';
import { InMemoryWebStorage } from '../src/storage.ts';

afterEach(() => mock.timers.reset());

test('state values carry their kind and 256 random bits', () => {
  for (const kind of ['r', 'p', 's'] as const) {
    const state = newState(kind);
    assert.match(state, /^[rps]\.[\w-]{43}$/);
    assert.equal(kindOf(state), kind);
  }
  assert.notEqual(newState('r'), newState('r'));
  assert.equal(kindOf(null), undefined);
  assert.equal(kindOf('x.abc'), undefined);
  assert.equal(kindOf('plain-state'), undefined);
});

test('a request is taken once', async () => {
  const store = new WebStorageStateStore({ store: new InMemoryWebStorage() });
  const request = {
    state: newState('r'),
    created: Math.floor(Date.now() / 1000),
    code_verifier: 'v',
    nonce: 'n',
  };
  await saveRequest(store, request);
  assert.deepEqual(await takeRequest(store, request.state), request);
  assert.equal(await takeRequest(store, request.state), undefined, 'a replayed callback finds nothing');
  assert.equal(await takeRequest(store, newState('r')), undefined);
});

test('stale requests are cleared; fresh ones, unreadable ones and other keys are not kept alike', async () => {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000_000 });
  const storage = new InMemoryWebStorage();
  const store = new WebStorageStateStore({ store: storage });
  const now = 1_000_000;
  const old = { state: 'r.old', created: now - 901 };
  const fresh = { state: 'r.fresh', created: now - 899 };
  await saveRequest(store, old);
  await saveRequest(store, fresh);
  await store.set('request.broken', '{not json');
  await store.set('user:someone', '{"access_token":"keep"}');
  await clearStaleRequests(store, 900);
  assert.deepEqual((await store.getAllKeys()).sort(), ['request.r.fresh', 'user:someone']);
});

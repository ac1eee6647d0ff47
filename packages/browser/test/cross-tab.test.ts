import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import { openSuccessor, sealSuccessor } from '../src/successor.ts';
import { type TabMessage, Tabs } from '../src/tabs.ts';

afterEach(() => mock.timers.reset());

test('a sealed successor opens only with the rotated token', async () => {
  await sealSuccessor('old-refresh-token-1', '{"user":1}');
  assert.equal(await openSuccessor('old-refresh-token-1'), '{"user":1}');
  assert.equal(await openSuccessor('another-token'), undefined);
  assert.equal(await openSuccessor('old-refresh-token-'), undefined);
});

test('sealed successors expire after an hour, and at most 16 are kept', async () => {
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  for (let i = 0; i < 20; i++) {
    await sealSuccessor(`token-${i}`, `user-${i}`);
    mock.timers.tick(1);
  }
  const kept = await Promise.all(Array.from({ length: 20 }, (_, i) => openSuccessor(`token-${i}`)));
  assert.equal(kept.filter(Boolean).length, 16);
  assert.equal(kept[19], 'user-19');
  assert.equal(kept[0], undefined, 'the oldest went first');
  mock.timers.tick(3600_001);
  assert.equal(await openSuccessor('token-19'), undefined);
});

test('without Web Locks, tasks of one Tabs run one at a time, failures included', async () => {
  const tabs = new Tabs('unit-test', () => {});
  const order: string[] = [];
  let release!: () => void;
  const first = tabs.exclusive(async () => {
    order.push('first starts');
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    order.push('first ends');
    throw new Error('first fails');
  });
  const second = tabs.exclusive(async () => {
    order.push('second');
    return 2;
  });
  await new Promise(setImmediate);
  assert.deepEqual(order, ['first starts']);
  release();
  await assert.rejects(first, /first fails/);
  assert.equal(await second, 2);
  assert.deepEqual(order, ['first starts', 'first ends', 'second']);
});

test('Tabs tell the others, never themselves', async () => {
  const keepAlive = setInterval(() => {}, 1000); // the channels are unref'd: Node would not wait for them
  const received: Array<[string, TabMessage]> = [];
  const a = new Tabs('unit-channel', (message) => void received.push(['a', message]));
  const arrived = new Promise<void>(
    (resolve) =>
      new Tabs('unit-channel', (message) => {
        received.push(['b', message]);
        resolve();
      }),
  );
  a.post({ type: 'signedOut', tokens: ['h'] });
  await arrived;
  await new Promise(setImmediate);
  clearInterval(keepAlive);
  assert.deepEqual(received, [['b', { type: 'signedOut', tokens: ['h'] }]]);
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { AccessTokenTimers } from '../src/timers.ts';
import { User } from '../src/user.ts';

const NOW = 1_700_000_000_000;
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW }));
afterEach(() => mock.timers.reset());

function recorder(notifyBefore = 60) {
  const fired: Array<[string, number]> = [];
  const timers = new AccessTokenTimers(
    () => fired.push(['expiring', Date.now() - NOW]),
    () => fired.push(['expired', Date.now() - NOW]),
    notifyBefore,
  );
  return { fired, timers };
}

test('expiring fires notifyBefore seconds before expiry, expired at expiry', () => {
  const { fired, timers } = recorder();
  timers.start(NOW / 1000 + 3600);
  mock.timers.tick(3540_000 - 1);
  assert.deepEqual(fired, []);
  mock.timers.tick(1);
  assert.deepEqual(fired, [['expiring', 3540_000]]);
  mock.timers.tick(60_000);
  assert.deepEqual(fired, [
    ['expiring', 3540_000],
    ['expired', 3600_000],
  ]);
});

test('a short-lived token is renewed at half its life, not in a loop', () => {
  const { fired, timers } = recorder();
  timers.start(NOW / 1000 + 5);
  mock.timers.tick(2500);
  mock.timers.tick(2500);
  assert.deepEqual(fired, [
    ['expiring', 2500],
    ['expired', 5000],
  ]);
});

test('an expired token fires both at once; restarting or stopping cancels the old timers', () => {
  const { fired, timers } = recorder();
  timers.start(NOW / 1000 - 10);
  mock.timers.tick(0);
  assert.deepEqual(fired, [
    ['expiring', 0],
    ['expired', 0],
  ]);
  fired.length = 0;
  timers.start(NOW / 1000 + 100);
  timers.start(NOW / 1000 + 1000); // a renewal: only the new token's timers remain
  mock.timers.tick(100_000);
  assert.deepEqual(fired, []);
  timers.stop();
  mock.timers.tick(1000_000);
  assert.deepEqual(fired, []);
  timers.start(undefined); // unknown lifetime: no timers
  mock.timers.tick(1000_000);
  assert.deepEqual(fired, []);
});

test('User.expires_in and expired follow the clock', () => {
  const user = new User({
    access_token: 'at',
    token_type: 'Bearer',
    profile: { sub: 's' } as User['profile'],
    expires_at: NOW / 1000 + 30,
  });
  assert.equal(user.expires_in, 30);
  assert.equal(user.expired, false);
  mock.timers.tick(30_000);
  assert.equal(user.expired, true);
  assert.equal(new User({ ...user, expires_at: undefined }).expired, undefined);
  const copy = User.fromStorageString(user.toStorageString());
  assert.deepEqual(copy, user);
  assert.deepEqual(JSON.parse(user.toStorageString()).expired, undefined, 'getters are not stored');
});

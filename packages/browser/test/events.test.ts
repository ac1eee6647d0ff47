import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { emit } from '../src/events.ts';
import { User, UserManagerError, UserManagerEvents } from '../src/index.ts';

const user = new User({ access_token: 'at', token_type: 'Bearer', profile: { sub: 's' } as User['profile'] });

test('listeners are called in order with their arguments; add… returns the unsubscribe function', () => {
  const events = new UserManagerEvents();
  const calls: string[] = [];
  const stopFirst = events.addUserLoaded((u) => {
    calls.push(`first ${u.access_token}`);
  });
  events.addUserLoaded(() => {
    calls.push('second');
  });
  emit(events, 'userLoaded', user);
  stopFirst();
  stopFirst(); // idempotent
  emit(events, 'userLoaded', user);
  assert.deepEqual(calls, ['first at', 'second', 'second']);
});

test('remove… works as in oidc-client-ts; events are separate', () => {
  const events = new UserManagerEvents();
  let count = 0;
  const listener = () => {
    count++;
  };
  events.addAccessTokenExpired(listener);
  events.addAccessTokenExpiring(listener);
  emit(events, 'accessTokenExpired');
  events.removeAccessTokenExpired(listener);
  emit(events, 'accessTokenExpired');
  emit(events, 'accessTokenExpiring');
  assert.equal(count, 2);
});

test('every event can be listened to and carries its arguments', () => {
  const events = new UserManagerEvents();
  const seen: string[] = [];
  events.addUserUnloaded(() => void seen.push('userUnloaded'));
  events.addUserSignedOut(() => void seen.push('userSignedOut'));
  events.addSilentRenewError((err) => void seen.push(`silentRenewError ${err.code}`));
  emit(events, 'userUnloaded');
  emit(events, 'userSignedOut');
  emit(events, 'silentRenewError', new UserManagerError('ERR_TIMEOUT', 'no answer'));
  assert.deepEqual(seen, ['userUnloaded', 'userSignedOut', 'silentRenewError ERR_TIMEOUT']);
});

test('a listener that throws or rejects does not stop the others; it is reported', async (t) => {
  const reported = t.mock.method(console, 'error', () => {});
  const events = new UserManagerEvents();
  let reached = false;
  events.addUserSignedOut(() => {
    throw new Error('boom');
  });
  events.addUserSignedOut(async () => {
    throw new Error('async boom');
  });
  events.addUserSignedOut(() => {
    reached = true;
  });
  emit(events, 'userSignedOut');
  assert.equal(reached, true);
  await new Promise(setImmediate);
  assert.equal(reported.mock.callCount(), 2);
  mock.restoreAll();
});

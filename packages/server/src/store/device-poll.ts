import type { DeviceAuthorizationRecord, DevicePoll } from './store.ts';

/**
 * How long an expired device authorization is kept before the sweep deletes it: until then a
 * device still polling learns `expired_token` rather than an unknown code's `invalid_grant`.
 */
export const EXPIRED_DEVICE_AUTHORIZATION_KEPT_SECONDS = 3600;

/** How much longer a device must wait after each `slow_down` (RFC 8628 §3.5). */
export const SLOW_DOWN_SECONDS = 5;

/**
 * The answer to one poll with a device code, and the authorization as the poll leaves it: the one
 * rule every store applies inside its transaction (RFC 8628 §3.5).
 *
 * - a spent code (tokens issued) is `spent`, an expired one `expired_token`, a denied one `access_denied`;
 * - an approved one is `approved` and spent by this poll;
 * - a pending one is `authorization_pending`, or `slow_down` when it comes sooner than `interval`
 *   seconds after the previous poll, which adds 5 s to the interval for this and every later poll.
 *
 * Times are whole seconds, truncated alike, so a device that waits the full interval is never
 * told to slow down. The first poll may come at once.
 */
export function pollDeviceAuthorizationRecord(
  authorization: DeviceAuthorizationRecord,
  now: number,
): DevicePoll {
  if (authorization.consumedAt !== null) return { outcome: 'spent', authorization };
  if (authorization.expiresAt <= now) return { outcome: 'expired_token', authorization };
  if (authorization.status === 'denied') return { outcome: 'access_denied', authorization };
  if (authorization.status === 'approved') {
    return { outcome: 'approved', authorization: { ...authorization, lastPolledAt: now, consumedAt: now } };
  }
  const tooSoon =
    authorization.lastPolledAt !== null && now - authorization.lastPolledAt < authorization.interval;
  return tooSoon
    ? {
        outcome: 'slow_down',
        authorization: {
          ...authorization,
          lastPolledAt: now,
          interval: authorization.interval + SLOW_DOWN_SECONDS,
        },
      }
    : { outcome: 'authorization_pending', authorization: { ...authorization, lastPolledAt: now } };
}

import type { ServerContext } from '../context.ts';

type Context = Pick<ServerContext, 'store' | 'loginThrottle'>;

/** The throttle keys of one attempt: the account and the client address. */
export function throttleKeys(
  username: string,
  ip: string | undefined,
): { account: string; ip: string | undefined } {
  return { account: `user:${username.toLowerCase()}`, ip: ip ? `ip:${ip}` : undefined };
}

/**
 * Whether sign-in is refused for this account or address because of recent failures, and for how
 * long (in whole minutes, for the message). Counted in the store, so every process shares the limit.
 */
export async function loginBlocked(
  context: Context,
  keys: { account: string; ip: string | undefined },
  now: number,
): Promise<{ retryAfterMinutes: number } | null> {
  const { windowSeconds, maxFailuresPerAccount, maxFailuresPerIp } = context.loginThrottle;
  const since = now - windowSeconds;
  const accountFailures = await context.store.countLoginFailures(keys.account, since);
  const ipFailures = keys.ip ? await context.store.countLoginFailures(keys.ip, since) : 0;
  if (accountFailures >= maxFailuresPerAccount || ipFailures >= maxFailuresPerIp) {
    return { retryAfterMinutes: Math.ceil(windowSeconds / 60) };
  }
  return null;
}

/** Counts a failed attempt against the account and the address. */
export async function recordLoginFailure(
  context: Context,
  keys: { account: string; ip: string | undefined },
  now: number,
): Promise<void> {
  await context.store.recordLoginFailure(keys.ip ? [keys.account, keys.ip] : [keys.account], now);
}

import type { ServerContext } from '../context.ts';

type Context = Pick<ServerContext, 'store' | 'accounts' | 'loginThrottle'>;

// The store's login-failure counters count these events too: keyed apart, kept for the same
// window (`loginThrottle.windowSeconds`), swept by the same rule.

/**
 * Counts one sign-up or reset request from `ip` and says whether it is one too many in the window:
 * what keeps a script from creating accounts or sending mail in bulk.
 */
export async function tooManyAccountRequests(
  context: Context,
  ip: string | undefined,
  now: number,
): Promise<boolean> {
  if (!ip) return false;
  const key = `account-ip:${ip}`;
  const since = now - context.loginThrottle.windowSeconds;
  if ((await context.store.countLoginFailures(key, since)) >= context.accounts.maxRequestsPerIp) return true;
  await context.store.recordLoginFailure([key], now);
  return false;
}

/**
 * Whether one more mail may go to `address` in the window, counting it if so: no mailbox is
 * flooded through our forms. A refused mail is not reported to the requester (the page says the
 * same either way, so it tells nothing about the address).
 */
export async function mayMail(context: Context, address: string, now: number): Promise<boolean> {
  const key = `mail:${address.toLowerCase()}`;
  const since = now - context.loginThrottle.windowSeconds;
  if ((await context.store.countLoginFailures(key, since)) >= context.accounts.maxMailsPerAddress)
    return false;
  await context.store.recordLoginFailure([key], now);
  return true;
}

/** Minutes of the throttle window, for "try again in N minutes". */
export function throttleMinutes(context: Pick<ServerContext, 'loginThrottle'>): number {
  return Math.ceil(context.loginThrottle.windowSeconds / 60);
}

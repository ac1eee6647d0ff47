import type { ServerContext } from '../context.ts';

type Context = Pick<ServerContext, 'store' | 'accounts'>;

/**
 * The second factors a user can give after a password: an authenticator app (TOTP, with its
 * recovery codes) and passkeys (when the server offers them). A user with either is asked for one
 * at every password sign-in.
 */
export async function secondFactorsOf(
  context: Context,
  userId: string,
): Promise<{ totp: boolean; passkeys: boolean }> {
  const totp = ((await context.store.findTotp(userId))?.confirmedAt ?? null) !== null;
  const passkeys = context.accounts.passkeys && (await context.store.listPasskeys(userId)).length > 0;
  return { totp, passkeys };
}

/** Whether a password sign-in of this user must be followed by a second factor. */
export async function hasSecondFactor(context: Context, userId: string): Promise<boolean> {
  const factors = await secondFactorsOf(context, userId);
  return factors.totp || factors.passkeys;
}

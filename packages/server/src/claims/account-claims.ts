import type { FindAccountClaims, ResolvedOptions } from '../options.ts';
import type { Store } from '../store/store.ts';

/**
 * Where the claims about an account come from, for UserInfo and for ID tokens that a claims request
 * asks them in: the `findAccountClaims` option, else the store's users.
 */
export function accountClaimsSource(
  context: Pick<ResolvedOptions, 'store' | 'findAccountClaims'>,
): FindAccountClaims {
  return context.findAccountClaims ?? ((id: string) => claimsFromStore(context.store, id));
}

/** Picks the claims named in `names` that the account has (a `null` is having none). */
export function pickClaims(
  account: Record<string, unknown>,
  names: Iterable<string>,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) {
    const value = account[name];
    if (value !== undefined && value !== null) picked[name] = value;
  }
  return picked;
}

async function claimsFromStore(store: Store, userId: string): Promise<Record<string, unknown> | null> {
  const user = await store.findUserById(userId);
  if (!user) return null;
  return {
    preferred_username: user.username,
    name: user.name,
    email: user.email,
    email_verified: user.email === null ? null : user.emailVerified,
    updated_at: user.updatedAt,
  };
}

import type { Store, UserRecord } from '../store/store.ts';

/**
 * Removes every second factor of a user (authenticator app, recovery codes, passkeys): the account
 * signs in with its password alone until it sets them up again. For a lost phone, from the console
 * or `codegrant users reset-mfa`.
 *
 * @returns how many passkeys were removed, and whether anything was
 */
export async function resetSecondFactors(
  store: Store,
  userId: string,
): Promise<{ passkeys: number; removed: boolean }> {
  const passkeys = await store.listPasskeys(userId);
  for (const passkey of passkeys) await store.deletePasskey(userId, passkey.credentialId);
  const totpRemoved = await store.deleteTotp(userId);
  return { passkeys: passkeys.length, removed: totpRemoved || passkeys.length > 0 };
}

/**
 * Disables an account (it cannot sign in; its sessions end and its grants are revoked, so apps lose
 * their tokens at once) or enables it again.
 *
 * @returns `false` when the user no longer exists
 */
export async function setUserDisabled(
  store: Store,
  user: UserRecord,
  disabled: boolean,
  now: number,
): Promise<boolean> {
  const updated = await store.updateUser({ ...user, disabledAt: disabled ? now : null, updatedAt: now });
  if (updated && disabled) await store.revokeUserAccess(user.id, now);
  return updated;
}

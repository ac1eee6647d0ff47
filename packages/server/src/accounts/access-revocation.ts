import type { Store } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';

/**
 * What a page's form (the account page's, the console's) names a session by. The store keys sessions by the SHA-256 of
 * their cookie; the page carries a hash of that key made for this purpose alone, so no value the
 * store keeps ever appears in a page (or in a cache, screenshot or log of one).
 */
export function sessionReference(idHash: string): string {
  return sha256(`ref:${idHash}`);
}

/**
 * Ends the live session of `userId` that a page names by its reference (`sessionReference`),
 * unless it is `keepIdHash` (the browser asking). Shared by the account page and the console.
 *
 * @returns whether a session ended (none: the reference named none, or it ended meanwhile)
 */
export async function endSessionByReference(
  store: Store,
  userId: string,
  reference: string | undefined,
  now: number,
  keepIdHash?: string,
): Promise<boolean> {
  const sessions = await store.listUserSessions(userId, now);
  const target = sessions.find(
    (session) => session.idHash !== keepIdHash && sessionReference(session.idHash) === reference,
  );
  return target !== undefined && (await store.deleteUserSession(userId, target.idHash));
}

/**
 * Takes an app's access to a user away: its grants revoked and the consent forgotten, in one
 * store transaction. Shared by the account page and the console.
 *
 * @returns whether the app held any (nothing is written when it held none)
 */
export async function revokeAppAccess(
  store: Store,
  userId: string,
  clientId: string,
  now: number,
): Promise<boolean> {
  const held = (await store.listUserGrants(userId, now)).some((grant) => grant.clientId === clientId);
  if (held) await store.revokeUserClientAccess(userId, clientId, now);
  return held;
}

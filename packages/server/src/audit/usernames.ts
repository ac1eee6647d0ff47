import type { AuditEventRecord, Store } from '../store/store.ts';

/**
 * The usernames of the accounts audit events name (as subject or actor), for people reading the
 * log; an account deleted since has none, and shows as its id.
 */
export async function usernamesOfEvents(
  store: Store,
  events: AuditEventRecord[],
): Promise<Map<string, string>> {
  const ids = new Set(events.flatMap((event) => [event.userId, event.actorId].filter((id) => id !== null)));
  const usernames = new Map<string, string>();
  for (const id of ids) {
    const user = await store.findUserById(id);
    if (user) usernames.set(id, user.username);
  }
  return usernames;
}

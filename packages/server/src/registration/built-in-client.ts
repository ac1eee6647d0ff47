import type { ClientRecord, Store } from '../store/store.ts';

/**
 * Creates one of the identity provider's own clients (the account page's, the console's), or
 * repairs it when the wanted redirect URI or grant types changed (the issuer moved, a new
 * version needs another grant), keeping its creation time.
 */
export async function ensureBuiltInClient(store: Store, wanted: ClientRecord): Promise<void> {
  const existing = await store.findClient(wanted.clientId);
  if (!existing) {
    await store.insertClient(wanted);
    return;
  }
  const same =
    existing.redirectUris[0] === wanted.redirectUris[0] &&
    wanted.grantTypes.every((grant) => existing.grantTypes.includes(grant));
  if (!same) await store.updateClient({ ...wanted, createdAt: existing.createdAt });
}

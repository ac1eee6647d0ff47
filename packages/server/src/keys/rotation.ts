import type { SigningKeyRecord, Store } from '../store/store.ts';
import type { KeyEncryption } from './key-encryption.ts';
import { createSigningKey, SIGNING_ALGS } from './signing-keys.ts';

/**
 * Rotates the signing keys: a new key per algorithm starts signing, the previous ones are retired.
 * Retired keys stay in the JWKS (tokens they signed keep verifying) until
 * {@link deleteExpiredKeys} removes them. Every process picks the new keys up at its next key
 * reload (`serve` reloads every minute); until then it signs with a retired key, which verifies too.
 *
 * @returns the new keys
 */
export async function rotateSigningKeys(
  store: Store,
  now: number,
  encryption?: KeyEncryption,
): Promise<SigningKeyRecord[]> {
  const previous = (await store.listSigningKeys()).filter((key) => key.retiredAt === null);
  const created: SigningKeyRecord[] = [];
  for (const alg of SIGNING_ALGS) {
    const key = await createSigningKey(alg, now, encryption);
    await store.insertSigningKey(key);
    created.push(key);
  }
  for (const key of previous) await store.retireSigningKey(key.kid, now);
  return created;
}

/**
 * Deletes retired keys that can no longer have signed anything still valid: retired longer ago
 * than the longest token lifetime they signed for (plus a minute for processes that had not yet
 * reloaded their keys).
 *
 * @returns how many keys were deleted
 */
export async function deleteExpiredKeys(
  store: Store,
  now: number,
  longestTokenLifetime: number,
): Promise<number> {
  let deleted = 0;
  for (const key of await store.listSigningKeys()) {
    if (key.retiredAt !== null && key.retiredAt + longestTokenLifetime + 60 < now) {
      if (await store.deleteSigningKey(key.kid)) deleted += 1;
    }
  }
  return deleted;
}

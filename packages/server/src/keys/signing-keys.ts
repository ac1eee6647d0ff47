import { createPrivateKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SigningKeyRecord, Store } from '../store/store.ts';
import { randomValue } from '../tokens/random.ts';
import { isEncryptedKey, type KeyEncryption } from './key-encryption.ts';

/** The JWS algorithms the server signs with: ES256 by default, RS256 for clients that register it. */
export type SigningAlg = 'ES256' | 'RS256';

/** The algorithms, default first (metadata lists them in this order). */
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

/** A key ready to sign: the private key as a Node `KeyObject`, so signing is one synchronous call. */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  /**
   * What `crypto.sign` takes, built once per key: for ECDSA it asks for the raw r||s signature
   * JWS wants (RFC 7518 §3.4), not DER.
   */
  signWith: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
}

/** The signing keys loaded from the store: who signs each algorithm, and the public JWKS. */
export class KeySet {
  readonly #signers = new Map<SigningAlg, SigningKey>();
  /** The public keys as published at the JWKS endpoint: active and retired, so older tokens keep verifying. */
  readonly jwks: { keys: JWK[] };
  /** Verifies tokens *we receive* (our own access tokens at UserInfo) through `jose`. */
  readonly verificationKeys: ReturnType<typeof createLocalJWKSet>;
  /** Which keys (and retirements) this set was built from: see {@link keyFingerprint}. */
  readonly fingerprint: string;

  /** @param records the store's keys, private keys already decrypted */
  constructor(records: SigningKeyRecord[]) {
    for (const record of records) {
      // Oldest first: the newest active key of each algorithm wins.
      if (record.retiredAt === null) {
        const privateKey = createPrivateKey({ key: JSON.parse(record.privateJwk), format: 'jwk' });
        const signWith =
          record.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
        this.#signers.set(record.alg, { kid: record.kid, alg: record.alg, signWith });
      }
    }
    this.jwks = { keys: records.map((record) => JSON.parse(record.publicJwk) as JWK) };
    this.verificationKeys = createLocalJWKSet(this.jwks);
    this.fingerprint = keyFingerprint(records);
  }

  /** The algorithms this set can sign with (readiness: all of them must be there). */
  get signingAlgs(): SigningAlg[] {
    return [...this.#signers.keys()];
  }

  /** The key that signs `alg`. */
  signer(alg: SigningAlg): SigningKey {
    const key = this.#signers.get(alg);
    if (!key) throw new Error(`no active ${alg} signing key in the store`);
    return key;
  }
}

function missingAlgs(records: SigningKeyRecord[]): SigningAlg[] {
  return SIGNING_ALGS.filter(
    (alg) => !records.some((record) => record.alg === alg && record.retiredAt === null),
  );
}

/** Waits (up to 10 s) for another process to finish creating the signing keys. */
async function waitForKeys(store: Store): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (missingAlgs(await store.listSigningKeys()).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Identifies a list of key records by their ids and retirement times. */
export function keyFingerprint(records: SigningKeyRecord[]): string {
  return records.map((record) => `${record.kid}:${record.retiredAt ?? ''}`).join(',');
}

/**
 * Makes sure the store has an active key for every algorithm (creating those missing: the first
 * start of a new deployment), then loads them, decrypting private keys stored encrypted.
 *
 * @throws {Error} when keys are encrypted and no (or the wrong) `encryption` is given
 */
export async function loadSigningKeys(
  store: Store,
  now: number,
  encryption?: KeyEncryption,
): Promise<KeySet> {
  let records = await store.listSigningKeys();
  const missing = missingAlgs(records);
  if (missing.length > 0) {
    // Processes starting together on a new database must not each create keys (they would sign
    // with different ones until their next reload): one wins the right through the store.
    const me = randomValue(16);
    const creator = await store.sharedValue(`create-signing-keys:${SIGNING_ALGS.join(',')}`, me);
    if (creator === me) {
      for (const alg of missing) await store.insertSigningKey(await createSigningKey(alg, now, encryption));
    } else {
      await waitForKeys(store);
    }
    records = await store.listSigningKeys();
    // The creator died half-way (or the keys were deleted since): create what is still missing.
    for (const alg of missingAlgs(records))
      await store.insertSigningKey(await createSigningKey(alg, now, encryption));
    records = await store.listSigningKeys();
  }
  const readable = await Promise.all(
    records.map(async (record) => {
      if (record.retiredAt !== null || !isEncryptedKey(record.privateJwk)) return record;
      if (!encryption) {
        throw new Error(
          `signing key ${record.kid} is encrypted: set the key-encryption secret (CODEGRANT_KEY_SECRET)`,
        );
      }
      return { ...record, privateJwk: await encryption.decrypt(record.kid, record.privateJwk) };
    }),
  );
  return new KeySet(readable);
}

/**
 * A new key pair for `alg`, its `kid` the JWK thumbprint (RFC 7638) of the public key; the private
 * key encrypted when `encryption` is given.
 */
export async function createSigningKey(
  alg: SigningAlg,
  now: number,
  encryption?: KeyEncryption,
): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const published: JWK = { ...publicJwk, kid, alg, use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg };
  const privateText = JSON.stringify(privateJwk);
  return {
    kid,
    alg,
    privateJwk: encryption ? await encryption.encrypt(kid, privateText) : privateText,
    publicJwk: JSON.stringify(published),
    createdAt: now,
    retiredAt: null,
  };
}

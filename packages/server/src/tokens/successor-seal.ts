import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals the successor of a rotated refresh token under a key only the holder of the *old* token
 * can derive (HKDF-SHA256 of it; refresh tokens are 256-bit random, so no slow KDF is needed).
 * The store keeps only this ciphertext beside the old token's hash: during the refresh grace
 * period, a client that presents the old token again (two parallel refreshes, as MCP clients
 * do) gets the same successor back instead of tripping reuse detection — and nobody without the
 * old token, database readers included, can recover the successor (principle 5).
 */
export function sealSuccessor(oldToken: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(oldToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** Opens what {@link sealSuccessor} sealed; `null` when it was not sealed under `oldToken`. */
export function openSuccessor(oldToken: string, stored: string): string | null {
  const [iv, sealed] = stored.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !sealed || sealed.length < 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(oldToken), iv);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}

function deriveKey(oldToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', oldToken, Buffer.alloc(0), 'codegrant refresh token successor', 32));
}

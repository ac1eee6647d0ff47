import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

const PREFIX = 'enc:v1:';
/** scrypt cost of deriving a key from the operator's secret: paid once per signing key at start. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/**
 * Encrypts signing keys at rest (ARCHITECTURE.md, principle 5) with AES-256-GCM under a key
 * derived by scrypt from the operator's secret (`CODEGRANT_KEY_SECRET`) and a random salt per
 * key. The key id is authenticated data, so a ciphertext cannot be moved to another key's row.
 * Stored form: `enc:v1:<salt>.<iv>.<ciphertext+tag>` (base64url parts).
 */
export class KeyEncryption {
  readonly #secret: string;

  constructor(secret: string) {
    if (secret.length < 16) throw new TypeError('the key-encryption secret must have at least 16 characters');
    this.#secret = secret;
  }

  /** Encrypts a private JWK (JSON text) of key `kid`. */
  async encrypt(kid: string, plaintext: string): Promise<string> {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.#derive(salt), iv);
    cipher.setAAD(Buffer.from(kid));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${[salt, iv, sealed].map((part) => part.toString('base64url')).join('.')}`;
  }

  /**
   * Decrypts what {@link KeyEncryption.encrypt} stored.
   *
   * @throws {Error} when the secret is wrong or the ciphertext was altered
   */
  async decrypt(kid: string, stored: string): Promise<string> {
    const [salt, iv, sealed] = stored
      .slice(PREFIX.length)
      .split('.')
      .map((part) => Buffer.from(part, 'base64url'));
    if (!salt || !iv || !sealed || sealed.length < 16)
      throw new Error(`signing key ${kid}: malformed ciphertext`);
    const decipher = createDecipheriv('aes-256-gcm', await this.#derive(salt), iv);
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        `signing key ${kid} cannot be decrypted: wrong CODEGRANT_KEY_SECRET, or the row was altered`,
      );
    }
  }

  #derive(salt: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) =>
      scrypt(this.#secret, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
    );
  }
}

/** Whether a stored private key is encrypted. */
export function isEncryptedKey(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

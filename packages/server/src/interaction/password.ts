import { randomBytes, timingSafeEqual } from 'node:crypto';
import { scryptOnPasswordThreads } from './password-threads.ts';

/**
 * scrypt parameters: N=2^15, r=8, p=1 (≈ 32 MiB and tens of milliseconds per hash), above the
 * OWASP minimum (N=2^17 with r=8 is its top recommendation; we trade a little for login latency on small machines).
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return scryptOnPasswordThreads({
    password: password.normalize('NFKC'),
    salt,
    keyLength: KEY_LENGTH,
    options: { ...params, maxmem: 128 * params.N * params.r * 2 },
  });
}

/** Hashes a password for storage: `scrypt$N$r$p$salt$hash` (salt and hash base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Checks a password against a stored hash (parameters read from the hash, so they can be raised later). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing, checked when the username is unknown so the answer takes as long as for a real account. */
let decoyHash: Promise<string> | undefined;

/** Spends the time of one password check, for unknown usernames (no user enumeration by timing). */
export async function verifyDecoyPassword(password: string): Promise<false> {
  decoyHash ??= hashPassword('decoy password that matches nothing');
  await verifyPassword(password, await decoyHash);
  return false;
}

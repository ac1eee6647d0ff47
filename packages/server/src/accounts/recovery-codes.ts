import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.ts';
import { sha256 } from '../tokens/hash.ts';

type Context = Pick<ServerContext, 'store'>;

/** How many codes a user gets: each works once, in place of an authenticator code. */
export const RECOVERY_CODE_COUNT = 10;

/** RFC 4648 base32 without padding, in lower case: no 0/1/8 to mistake for o/l/b. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A code of 80 random bits (16 base32 letters, in groups of four). That is too many to guess or to
 * search from a leaked hash, so a fast hash is right for storing them (principle 5), salted with the
 * user id so equal codes of two users differ.
 */
function newCode(): string {
  const bytes = randomBytes(16);
  const letters = [...bytes].map((byte) => ALPHABET[byte % 32]).join('');
  return letters.match(/.{4}/g)!.join('-');
}

/** The stored form of a code, whatever its spacing or case as typed. */
function codeHash(userId: string, code: string): string {
  return sha256(`${userId}:${code.toLowerCase().replace(/[^a-z2-7]/g, '')}`);
}

/** Makes a new set of codes for a user, replacing the old set. @returns the codes, to show once */
export async function newRecoveryCodes(context: Context, userId: string, now: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await context.store.replaceRecoveryCodes(
    userId,
    codes.map((code) => codeHash(userId, code)),
    now,
  );
  return codes;
}

/** Uses a recovery code of the user (once). @returns whether it was one of theirs, unused */
export function useRecoveryCode(
  context: Context,
  userId: string,
  code: string,
  now: number,
): Promise<boolean> {
  return context.store.useRecoveryCode(userId, codeHash(userId, code), now);
}

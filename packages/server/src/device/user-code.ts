import { randomInt } from 'node:crypto';
import { sha256 } from '../tokens/hash.ts';

/**
 * The letters of user codes: 20 consonants, no vowels (no words are spelled) and none that are
 * easily confused (RFC 8628 §6.1). Case does not matter when typed.
 */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** 8 letters: 20^8 ≈ 2^34.6 codes, against a few guesses per account per window (throttled). */
const LENGTH = 8;

/** A new user code in its normal form (uniformly random: `randomInt` is unbiased); see {@link formatUserCode}. */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/**
 * A typed user code in its one form (upper case, the dash and spaces dropped), or `null` when it
 * cannot be one of ours: a typo answered at once, without counting it as a guess.
 */
export function normalizeUserCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== LENGTH) return null;
  for (const letter of code) if (!ALPHABET.includes(letter)) return null;
  return code;
}

/** How a user code is stored and looked up: the hash of its normal form. */
export function userCodeHash(normalized: string): string {
  return sha256(`user-code:${normalized}`);
}

/** A code in its normal form as people read it: `WDJBMJHT` → `WDJB-MJHT`. */
export function formatUserCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

import { base64urlEncode } from './base64url.ts';
import { randomToken } from './random.ts';

/** The PKCE methods codegrant implements. `plain` is deliberately absent (RFC 9700 §2.1.1). */
export type CodeChallengeMethod = 'S256';

/** RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`. */
const CODE_VERIFIER_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.2: an S256 challenge is the base64url SHA-256 of the verifier, always 43 characters. */
const S256_CHALLENGE_SYNTAX = /^[A-Za-z0-9\-_]{43}$/;

/**
 * A fresh PKCE `code_verifier`: 32 random bytes, base64url (43 characters).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function randomPKCECodeVerifier(): string {
  return randomToken(32);
}

/** Whether `value` has the syntax RFC 7636 §4.1 requires of a `code_verifier`. */
export function isValidCodeVerifier(value: string): boolean {
  return CODE_VERIFIER_SYNTAX.test(value);
}

/** Whether `value` has the syntax of an S256 `code_challenge` (43 base64url characters). */
export function isValidS256CodeChallenge(value: string): boolean {
  return S256_CHALLENGE_SYNTAX.test(value);
}

/**
 * The S256 `code_challenge` of a verifier: `BASE64URL(SHA256(ASCII(code_verifier)))`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export async function calculatePKCECodeChallenge(codeVerifier: string): Promise<string> {
  if (!isValidCodeVerifier(codeVerifier)) {
    throw new TypeError('calculatePKCECodeChallenge: the code verifier must be 43-128 unreserved characters');
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return base64urlEncode(new Uint8Array(digest));
}

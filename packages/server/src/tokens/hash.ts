import { hash, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256, base64url: how codes, tokens, session ids and client secrets are stored. They are
 * high-entropy random values, so a fast hash is right (ARCHITECTURE.md, principle 5).
 */
export function sha256(value: string): string {
  // The one-shot `hash` builds no Hash object: about half the cost of `createHash`, and a token
  // request hashes four values.
  return hash('sha256', value, 'base64url');
}

/** Compares two strings in time independent of where they differ (secrets, CSRF tokens). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The `at_hash` of an ID token: the left half of the SHA-256 of the access token, base64url
 * (OpenID Connect Core §3.1.3.6; SHA-256 because both ES256 and RS256 use it).
 */
export function accessTokenHash(accessToken: string): string {
  return hash('sha256', accessToken, 'buffer').subarray(0, 16).toString('base64url');
}

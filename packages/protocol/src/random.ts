import { base64urlEncode } from './base64url.ts';

/**
 * A base64url string of `byteLength` cryptographically random bytes (default 32: 256 bits), for
 * `state`, `nonce`, codes, tokens and secrets.
 */
export function randomToken(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < 16) {
    throw new TypeError(`randomToken: byteLength must be an integer ≥ 16, got ${byteLength}`);
  }
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** A random `state` value (RFC 6749 §10.12): 256 bits, base64url. */
export const randomState = (): string => randomToken();

/** A random `nonce` value (OpenID Connect Core §3.1.2.1): 256 bits, base64url. */
export const randomNonce = (): string => randomToken();

import { randomBytes } from 'node:crypto';

/**
 * `byteLength` random bytes as base64url (default 32: 256 bits), for codes, tokens, ids and
 * secrets. The server's twin of `randomToken` from `@codegrant/protocol`, on `node:crypto`: the
 * portable one goes through `getRandomValues` and `btoa`, measurably slower on the token endpoint.
 */
export function randomValue(byteLength = 32): string {
  return randomBytes(byteLength).toString('base64url');
}

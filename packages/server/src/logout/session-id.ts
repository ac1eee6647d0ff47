import { sha256 } from '../tokens/hash.ts';

/**
 * The `sid` (session ID, OpenID Connect Back-Channel Logout 1.0 §2.4) that `clientId` is told for
 * the session whose cookie hashes to `sessionIdHash`: in its ID tokens, and in the logout token
 * when that session ends.
 *
 * One-way, like the account page's `sessionReference`: nobody who holds a `sid` can work out the
 * cookie, nor the key the store keeps the session by. And one per client (the specification's
 * "Session of a User Agent … at an RP"), so two relying parties cannot match their users by it.
 */
export function clientSessionId(sessionIdHash: string, clientId: string): string {
  // The hash is base64url, without ':': the input splits one way only.
  return sha256(`sid:${sessionIdHash}:${clientId}`);
}

import { base64url, type JWTPayload, jwtVerify } from 'jose';
import type { Provider } from './discovery.ts';

/** The claims of a verified ID token; `sub` is always present. */
export type IdTokenClaims = JWTPayload & { sub: string };

/** What an ID token must match besides the provider's issuer and keys. */
export interface IdTokenExpectations {
  /** The `aud` (and `azp`) the token must name. */
  clientId: string;
  /** The signing algorithm registered for the client (`id_token_signed_response_alg`): no other is accepted. */
  alg: string;
  /** The access token issued with it, for `at_hash`. */
  accessToken: string;
  /** The `nonce` of the authorization request (first ID token only). */
  nonce?: string;
  /** The first ID token's claims, when this one comes from a refresh (OpenID Connect Core §12.2). */
  previous?: IdTokenClaims;
}

/**
 * Validates an ID token (OpenID Connect Core §3.1.3.7): signature with the provider's published key
 * (jose), `iss`, `aud`, `exp`, `azp` when there are several audiences, `nonce`, `at_hash`
 * (§3.1.3.8), and for a refreshed token the same `sub` and `auth_time` as the first (§12.2).
 *
 * @returns the claims and, in words, each check that passed
 * @throws {Error} naming the first check that failed
 */
export async function verifyIdToken(
  idToken: string,
  provider: Provider,
  expected: IdTokenExpectations,
): Promise<{ claims: IdTokenClaims; checks: string[] }> {
  const { payload, protectedHeader } = await jwtVerify(idToken, provider.jwks, {
    issuer: provider.issuer,
    audience: expected.clientId,
    algorithms: [expected.alg],
    requiredClaims: ['sub', 'iat', 'exp'],
  });
  // requiredClaims made sure of sub.
  const claims = payload as IdTokenClaims;
  const checks = [
    `signature verified: ${protectedHeader.alg}, key ${protectedHeader.kid ?? '(no kid)'} of ${provider.jwksUri}`,
    `iss is ${provider.issuer}; aud contains ${expected.clientId}; exp (${isoTime(claims.exp)}) is in the future`,
  ];
  if (Array.isArray(claims.aud) && claims.aud.length > 1) {
    if (claims.azp !== expected.clientId)
      throw new Error(`several audiences, and azp is not ${expected.clientId}`);
    checks.push(`azp is ${expected.clientId}`);
  }
  if (expected.nonce !== undefined) {
    if (claims.nonce !== expected.nonce) {
      throw new Error('nonce differs from the one of the authorization request (a replayed ID token?)');
    }
    checks.push('nonce matches the one kept in the session (replay defence)');
  }
  if (expected.previous) {
    const { previous } = expected;
    if (claims.sub !== previous.sub) throw new Error(`sub changed from ${previous.sub} to ${claims.sub}`);
    if (previous.auth_time !== undefined && claims.auth_time !== previous.auth_time) {
      throw new Error('auth_time differs from the first ID token: a refresh is not a new authentication');
    }
    if (claims.nonce !== undefined && claims.nonce !== previous.nonce) {
      throw new Error('nonce differs from the first ID token');
    }
    checks.push('sub and auth_time are those of the first ID token (OpenID Connect Core §12.2)');
  }
  if (claims.at_hash === undefined) {
    checks.push('no at_hash (optional in the code flow)');
  } else {
    if (claims.at_hash !== (await accessTokenHash(expected.accessToken, expected.alg))) {
      throw new Error('at_hash does not match the access token issued with it');
    }
    checks.push('at_hash matches the access token (left half of its hash, base64url)');
  }
  return { claims, checks };
}

/** `at_hash` (OpenID Connect Core §3.1.3.6): the left half of the access token's hash with the JWS alg's SHA-2 size. */
async function accessTokenHash(accessToken: string, alg: string): Promise<string> {
  const bits = /(256|384|512)$/.exec(alg)?.[1];
  if (bits === undefined) throw new Error(`cannot compute at_hash for alg ${alg}`);
  const digest = new Uint8Array(
    await crypto.subtle.digest(`SHA-${bits}`, new TextEncoder().encode(accessToken)),
  );
  return base64url.encode(digest.subarray(0, digest.length / 2));
}

function isoTime(seconds: number | undefined): string {
  return seconds === undefined ? 'none' : new Date(seconds * 1000).toISOString();
}

import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { OAuthError } from '../errors.ts';

/** Algorithms accepted for DPoP proofs: asymmetric only (RFC 9449 §4.3 check 4). */
export const DPOP_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;

/** What a valid proof establishes. */
export interface VerifiedProof {
  /** The JWK SHA-256 thumbprint (RFC 7638) of the proof's key: what tokens are bound to (`cnf.jkt`). */
  jkt: string;
  /** The proof's `jti`, for replay detection. */
  jti: string;
  /** The proof's `iat`. */
  iat: number;
}

/** How a proof must match its request. */
export interface ProofExpectations {
  method: string;
  /** The request URL; query and fragment are ignored (RFC 9449 §4.3 check 9). */
  url: string;
  now: number;
  /** How far `iat` may be from now, in seconds (default 60). */
  maxSkewSeconds?: number;
  /** At a resource: the access token the proof must be bound to (`ath`). */
  accessToken?: string;
  /** The nonces the server accepts, if it requires one; a missing or other nonce answers `use_dpop_nonce`. */
  nonces?: string[];
  /** `invalid_dpop_proof` at the token endpoint, `invalid_token` at resources (RFC 9449 §5, §7.1). */
  errorCode?: 'invalid_dpop_proof' | 'invalid_token';
}

/**
 * Checks a DPoP proof JWT (RFC 9449 §4.3): `typ` `dpop+jwt`, an asymmetric `alg`, a public `jwk`
 * in the header that verifies the signature (all through `jose`), `htm` and `htu` matching the
 * request, `iat` within the window, a `jti`, `ath` when an access token is presented, and the
 * server's nonce when one is required. Replay of `jti` is the caller's to check (it needs the store).
 *
 * @throws {OAuthError} `invalid_dpop_proof` / `invalid_token` naming the failed check, or `use_dpop_nonce`
 */
export async function verifyDpopProof(proof: string, expect: ProofExpectations): Promise<VerifiedProof> {
  const code = expect.errorCode ?? 'invalid_dpop_proof';
  const fail = (description: string) => new OAuthError(code, `DPoP proof: ${description}`, { status: 400 });
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGS] });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch (error) {
    throw fail((error as Error).message);
  }
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) throw fail('the jwk header must be a public key');
  if (payload.htm !== expect.method)
    throw fail(`htm ${String(payload.htm)} is not the request method ${expect.method}`);
  if (typeof payload.htu !== 'string' || normalizeHtu(payload.htu) !== normalizeHtu(expect.url)) {
    throw fail(`htu ${String(payload.htu)} is not the request URL ${normalizeHtu(expect.url)}`);
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw fail('jti is required');
  if (typeof payload.iat !== 'number') throw fail('iat is required');
  const skew = expect.maxSkewSeconds ?? 60;
  if (Math.abs(payload.iat - expect.now) > skew)
    throw fail(`iat is more than ${skew} seconds from the server's time`);
  if (expect.accessToken !== undefined) {
    const ath = createHash('sha256').update(expect.accessToken).digest('base64url');
    if (payload.ath !== ath) throw fail('ath does not match the access token');
  }
  if (expect.nonces !== undefined && !expect.nonces.includes(payload.nonce as string)) {
    throw new OAuthError('use_dpop_nonce', 'the authorization server requires a DPoP nonce in the proof', {
      status: 400,
    });
  }
  return { jkt: await calculateJwkThumbprint(jwk), jti: payload.jti, iat: payload.iat };
}

/** `htu` without query and fragment; scheme and host lower case, as the URL parser does. */
function normalizeHtu(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return value;
  }
}

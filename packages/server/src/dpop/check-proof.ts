import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { DpopNonces } from './nonce.ts';
import { DPOP_ALGS, verifyDpopProof } from './verify-proof.ts';

/** The `WWW-Authenticate` challenge of DPoP-protected resources (RFC 9449 §7.1). */
export const DPOP_CHALLENGE = `DPoP algs="${DPOP_ALGS.join(' ')}"`;

type Context = Pick<ServerContext, 'store' | 'now'> & { dpopNonces: DpopNonces | undefined };

/**
 * Checks the `DPoP` header of a request against the endpoint it reached (`url`, built from the
 * issuer so proxies do not matter), including the server nonce when one is required and the
 * replay of `jti` across all processes (through the store).
 *
 * @returns the thumbprint of the proof's key, or `null` when the request has no proof
 * @throws {OAuthError} the endpoint's error code (`invalid_dpop_proof` or `invalid_token`), or
 *   `use_dpop_nonce` carrying a fresh `DPoP-Nonce` header
 */
export async function checkDpopProof(
  context: Context,
  request: Request,
  url: string,
  options: { accessToken?: string; errorCode: 'invalid_dpop_proof' | 'invalid_token' },
): Promise<string | null> {
  const header = request.headers.get('dpop');
  if (header === null) return null;
  const now = context.now();
  const fail = (description: string) => new OAuthError(options.errorCode, `DPoP proof: ${description}`);
  // Two DPoP headers arrive comma-joined; a JWT has no comma (RFC 9449 §4.3 check 1).
  if (header.includes(',')) throw fail('exactly one DPoP header is allowed');
  try {
    const proof = await verifyDpopProof(header, {
      method: request.method,
      url,
      now,
      errorCode: options.errorCode,
      ...(options.accessToken !== undefined ? { accessToken: options.accessToken } : {}),
      ...(context.dpopNonces ? { nonces: await context.dpopNonces.accepted(now) } : {}),
    });
    if (!(await context.store.rememberOnce(`dpop:${proof.jkt}:${proof.jti}`, now + 300, now))) {
      throw fail(`jti ${proof.jti} was already used (replay)`);
    }
    return proof.jkt;
  } catch (error) {
    if (error instanceof OAuthError && error.error === 'use_dpop_nonce' && context.dpopNonces) {
      throw new OAuthError('use_dpop_nonce', error.message, {
        headers: { 'dpop-nonce': await context.dpopNonces.current(now) },
      });
    }
    throw error;
  }
}

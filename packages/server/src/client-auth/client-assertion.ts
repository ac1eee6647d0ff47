import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { OAuthError } from '../errors.ts';

/** The only `client_assertion_type` (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asymmetric algorithms accepted for `private_key_jwt` (never `none`, never HMAC). */
export const ASSERTION_ALGS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;

/** What verifying a client assertion needs. */
export interface AssertionExpectations {
  clientId: string;
  /** The client's registered keys (`jwks` or `jwks_uri`), as a `jose` key resolver. */
  keys: JWTVerifyGetKey;
  /** Accepted audiences: the issuer identifier and the endpoint URL the assertion was sent to. */
  audiences: string[];
  now: number;
  /** Records `jti` until `expiresAt`; resolves `false` when it was seen before (a replay). */
  rememberJti: (jti: string, expiresAt: number) => Promise<boolean>;
  /** Longest accepted assertion lifetime from `iat` (or now) to `exp`, in seconds (default 300). */
  maxLifetimeSeconds?: number;
}

function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', `client assertion: ${description}`, { status: 401 });
}

/**
 * Verifies a `private_key_jwt` client assertion (RFC 7523 §3, OpenID Connect Core §9) with
 * `jose`: signature by one of the client's registered keys, `iss` = `sub` = the client id, `aud`
 * naming this server, `exp` in the future and not too far, and a `jti` never seen before.
 *
 * @throws {OAuthError} `invalid_client` (401) naming the failed check
 */
export async function verifyClientAssertion(
  assertion: string,
  expect: AssertionExpectations,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, expect.keys, {
      algorithms: [...ASSERTION_ALGS],
      issuer: expect.clientId,
      subject: expect.clientId,
      audience: expect.audiences,
      currentDate: new Date(expect.now * 1000),
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (error) {
    throw invalidClient((error as Error).message);
  }
  const maxLifetime = expect.maxLifetimeSeconds ?? 300;
  const exp = payload.exp as number;
  if (exp - (payload.iat ?? expect.now) > maxLifetime) {
    throw invalidClient(`it must expire within ${maxLifetime} seconds`);
  }
  if (!(await expect.rememberJti(`assertion:${expect.clientId}:${payload.jti}`, exp))) {
    throw invalidClient(`jti ${payload.jti} was already used (replay)`);
  }
  return payload;
}

import { type JWTPayload, jwtVerify } from 'jose';
import type { ServerContext } from '../context.ts';
import type { GrantRecord } from '../store/store.ts';

/** Why an access token was refused. */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
}

/**
 * Verifies one of our JWT access tokens as any resource server would — with `jose`: signature
 * against our keys, `typ` `at+jwt` (RFC 9068 §4, so an ID token is never taken for an access
 * token), `iss`, `aud`, `exp` — and then what only we can check: that its grant (claim `gid`) was
 * not revoked. Tokens without a grant (client credentials) live until they expire.
 *
 * @throws {AccessTokenError} naming the failed check
 */
export async function verifyAccessToken(
  context: Pick<ServerContext, 'store' | 'issuer' | 'accessTokenAudience' | 'keys' | 'now'>,
  token: string,
  audiences: string | string[] = context.accessTokenAudience,
): Promise<JWTPayload> {
  return (await verifyAccessTokenAndGrant(context, token, audiences)).claims;
}

/**
 * {@link verifyAccessToken}, and the grant the token belongs to (`null` for client credentials):
 * its `userId` is the user, whatever `sub` the client sees (a pairwise value, OpenID Connect Core §8).
 *
 * @throws {AccessTokenError} naming the failed check
 */
export async function verifyAccessTokenAndGrant(
  context: Pick<ServerContext, 'store' | 'issuer' | 'accessTokenAudience' | 'keys' | 'now'>,
  token: string,
  audiences: string | string[] = context.accessTokenAudience,
): Promise<{ claims: JWTPayload; grant: GrantRecord | null }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, context.keys.verificationKeys, {
      issuer: context.issuer,
      audience: audiences,
      typ: 'at+jwt',
      algorithms: ['ES256', 'RS256'],
      currentDate: new Date(context.now() * 1000),
      requiredClaims: ['sub', 'exp', 'client_id'],
    }));
  } catch (error) {
    throw new AccessTokenError(`the access token is invalid: ${(error as Error).message}`);
  }
  if (payload.gid === undefined) return { claims: payload, grant: null };
  const grant = await context.store.findGrant(String(payload.gid));
  if (!grant || grant.revokedAt !== null) throw new AccessTokenError('the access token was revoked');
  return { claims: payload, grant };
}

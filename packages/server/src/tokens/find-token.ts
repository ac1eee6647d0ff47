import type { JWTPayload } from 'jose';
import type { ServerContext } from '../context.ts';
import type { GrantRecord, RefreshTokenRecord } from '../store/store.ts';
import { sha256 } from './hash.ts';
import { AccessTokenError, verifyAccessTokenAndGrant } from './verify-access-token.ts';

/**
 * A token presented to revocation or introspection, found and still usable. An access token's
 * grant is `null` for client credentials.
 */
export type FoundToken =
  | { type: 'access_token'; claims: JWTPayload; grant: GrantRecord | null }
  | { type: 'refresh_token'; refreshToken: RefreshTokenRecord; grant: GrantRecord };

/**
 * Finds a token we issued and checks it is still usable (not expired, not rotated, grant not
 * revoked). Our access tokens are JWTs and our refresh tokens random base64url strings, so the
 * form tells them apart; `token_type_hint` (RFC 7009 §2.1, RFC 7662 §2.1) is not needed.
 *
 * @returns `null` for anything unknown, invalid or no longer usable
 */
export async function findUsableToken(
  context: Pick<ServerContext, 'store' | 'issuer' | 'accessTokenAudience' | 'keys' | 'now'>,
  token: string,
): Promise<FoundToken | null> {
  if (token.includes('.')) {
    try {
      return { type: 'access_token', ...(await verifyAccessTokenAndGrant(context, token)) };
    } catch (error) {
      if (error instanceof AccessTokenError) return null;
      throw error;
    }
  }
  const refreshToken = await context.store.findRefreshToken(sha256(token));
  if (!refreshToken || refreshToken.rotatedAt !== null || refreshToken.expiresAt <= context.now())
    return null;
  const grant = await context.store.findGrant(refreshToken.grantId);
  if (!grant || grant.revokedAt !== null) return null;
  return { type: 'refresh_token', refreshToken, grant };
}

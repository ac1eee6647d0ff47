import { splitSpaceDelimited, type TokenEndpointResponse } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { invalidGrant, invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord, RefreshTokenRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { buildTokenResponse } from '../tokens/token-response.ts';

type Context = Pick<ServerContext, 'store' | 'issuer' | 'accessTokenAudience' | 'lifetimes' | 'keys'>;

/**
 * The `refresh_token` grant (RFC 6749 §6) with rotation: each refresh returns a new refresh token
 * and retires the old one in one atomic conditional write. Presenting a retired token again means
 * it leaked (or two parties share it): the whole grant is revoked (RFC 9700 §4.14.2).
 * A `scope` parameter may narrow the access token's scopes; the new refresh token keeps the grant's.
 */
export async function refreshTokenGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
): Promise<TokenEndpointResponse> {
  if (!client.grantTypes.includes('refresh_token')) {
    throw new OAuthError(
      'unauthorized_client',
      `client ${client.clientId} may not use the refresh_token grant`,
    );
  }
  const presented = params.refresh_token;
  if (!presented) throw invalidRequest('the refresh_token parameter is required');

  const hash = sha256(presented);
  const current = await context.store.findRefreshToken(hash);
  if (!current) throw invalidGrant('the refresh token is unknown or has expired');
  if (current.clientId !== client.clientId)
    throw invalidGrant('the refresh token was issued to another client');
  if (current.rotatedAt !== null) return refuseReuse(context, current, now);
  if (current.expiresAt <= now) throw invalidGrant('the refresh token has expired');
  const scopes = narrowScopes(current.scopes, params.scope);

  const next = randomValue();
  const nextExpiresAt = now + context.lifetimes.refreshToken;
  const rotated = await context.store.rotateRefreshToken({
    hash,
    clientId: client.clientId,
    now,
    next: {
      hash: sha256(next),
      clientId: client.clientId,
      scopes: current.scopes,
      createdAt: now,
      expiresAt: nextExpiresAt,
      rotatedAt: null,
    },
    grantExpiresAt: Math.max(nextExpiresAt, now + context.lifetimes.accessToken),
  });
  if (!rotated) {
    const grant = await context.store.findGrant(current.grantId);
    if (!grant || grant.revokedAt !== null) throw invalidGrant('the grant of this refresh token was revoked');
    // Another request rotated the token between our read and our write.
    return refuseReuse(context, current, now);
  }
  return buildTokenResponse(context, {
    grant: rotated.grant,
    client,
    scopes,
    refreshToken: next,
    nonce: null,
    now,
  });
}

/** RFC 6749 §6: the requested scope must not include any scope not originally granted. */
function narrowScopes(granted: string[], requested: string | undefined): string[] {
  if (requested === undefined) return granted;
  const wanted = splitSpaceDelimited(requested);
  const extra = wanted.filter((scope) => !granted.includes(scope));
  if (extra.length > 0) {
    throw new OAuthError('invalid_scope', `scope ${extra.join(' ')} was not granted to this refresh token`);
  }
  return wanted;
}

async function refuseReuse(context: Context, token: RefreshTokenRecord, now: number): Promise<never> {
  await context.store.revokeGrant(token.grantId, now);
  throw invalidGrant('the refresh token was already used (rotated); the grant is revoked');
}

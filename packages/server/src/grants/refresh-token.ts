import { splitSpaceDelimited } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { invalidGrant, invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord, RefreshTokenRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { openSuccessor, sealSuccessor } from '../tokens/successor-seal.ts';
import { buildTokenResponse } from '../tokens/token-response.ts';
import { GrantReplayError, type GrantResult } from './grant-result.ts';

type Context = Pick<
  ServerContext,
  | 'store'
  | 'issuer'
  | 'accessTokenAudience'
  | 'resources'
  | 'lifetimes'
  | 'keys'
  | 'refreshTokenGraceSeconds'
  | 'subjects'
  | 'findAccountClaims'
>;

/**
 * The `refresh_token` grant (RFC 6749 §6) with rotation: each refresh returns a new refresh token
 * and retires the old one in one atomic conditional write. Presenting a retired token again means
 * it leaked (or two parties share it): the whole grant is revoked (RFC 9700 §4.14.2) — unless the
 * grace period is on and the retry comes within it, when the same successor is handed out again
 * (parallel refreshes). A public client's refresh token is bound to its DPoP key (RFC 9449 §5).
 * A `scope` parameter may narrow the access token's scopes; the new refresh token keeps the grant's.
 */
export async function refreshTokenGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
  dpopJkt: string | null,
): Promise<GrantResult> {
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
  if (current.dpopJkt !== null && current.dpopJkt !== dpopJkt) {
    throw invalidGrant('the refresh token is bound to a DPoP key: send a proof signed by that key');
  }
  if (current.rotatedAt !== null)
    return retryOrRefuse(context, client, current, presented, params, now, dpopJkt);
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
      dpopJkt: client.tokenEndpointAuthMethod === 'none' ? dpopJkt : null,
      successorSealed: null,
    },
    successorSealed: context.refreshTokenGraceSeconds > 0 ? sealSuccessor(presented, next) : null,
    grantExpiresAt: Math.max(nextExpiresAt, now + context.lifetimes.accessToken),
  });
  if (!rotated) {
    const grant = await context.store.findGrant(current.grantId);
    if (!grant || grant.revokedAt !== null) throw invalidGrant('the grant of this refresh token was revoked');
    // Another request rotated the token between our read and our write: a retry, or a reuse.
    const latest = (await context.store.findRefreshToken(hash)) ?? current;
    return retryOrRefuse(context, client, latest, presented, params, now, dpopJkt);
  }
  const response = await buildTokenResponse(context, {
    grant: rotated.grant,
    client,
    scopes,
    resource: params.resource,
    refreshToken: next,
    nonce: null,
    dpopJkt,
    now,
  });
  return { response, userId: rotated.grant.userId };
}

/**
 * A rotated token presented again. Within the grace period, and while its successor is unused,
 * the same successor goes out again with fresh access and ID tokens: the successor was sealed
 * under the presented token, so only its holder can get it back. Otherwise it is reuse.
 */
async function retryOrRefuse(
  context: Context,
  client: ClientRecord,
  rotatedToken: RefreshTokenRecord,
  presented: string,
  params: Record<string, string>,
  now: number,
  dpopJkt: string | null,
): Promise<GrantResult> {
  const grace = context.refreshTokenGraceSeconds;
  const withinGrace = rotatedToken.rotatedAt !== null && now - rotatedToken.rotatedAt <= grace;
  const successor =
    grace > 0 && withinGrace && rotatedToken.successorSealed !== null
      ? openSuccessor(presented, rotatedToken.successorSealed)
      : null;
  const next = successor === null ? null : await context.store.findRefreshToken(sha256(successor));
  const grant = next === null ? null : await context.store.findGrant(next.grantId);
  if (
    successor === null ||
    !next ||
    next.rotatedAt !== null ||
    next.expiresAt <= now ||
    !grant ||
    grant.revokedAt !== null
  ) {
    return refuseReuse(context, rotatedToken, now);
  }
  const response = await buildTokenResponse(context, {
    grant,
    client,
    scopes: narrowScopes(rotatedToken.scopes, params.scope),
    resource: params.resource,
    refreshToken: successor,
    nonce: null,
    dpopJkt,
    now,
  });
  return { response, userId: grant.userId };
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
  const grant = await context.store.findGrant(token.grantId);
  throw new GrantReplayError(
    'token.refresh_reuse',
    grant?.userId ?? '',
    'the refresh token was already used (rotated); the grant is revoked',
  );
}

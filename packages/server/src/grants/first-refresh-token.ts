import type { ServerContext } from '../context.ts';
import type { ClientRecord, GrantRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

/**
 * Stores the first refresh token of a grant that just produced tokens (a redeemed code, an
 * approved device). Callers ask {@link wantsRefreshToken} first, so the token endpoint's common
 * case (no refresh token) awaits nothing more.
 *
 * @returns the refresh token
 */
export async function issueFirstRefreshToken(
  context: Pick<ServerContext, 'store' | 'lifetimes'>,
  client: ClientRecord,
  grant: GrantRecord,
  dpopJkt: string | null,
  now: number,
): Promise<string> {
  const refreshToken = randomValue();
  await context.store.insertRefreshToken({
    hash: sha256(refreshToken),
    grantId: grant.id,
    clientId: client.clientId,
    scopes: grant.scopes,
    createdAt: now,
    expiresAt: now + context.lifetimes.refreshToken,
    rotatedAt: null,
    // RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a confidential
    // client's is already bound to its credentials).
    dpopJkt: client.tokenEndpointAuthMethod === 'none' ? dpopJkt : null,
    successorSealed: null,
  });
  return refreshToken;
}
/**
 * Whether a grant gets a refresh token; never unless the client may use the `refresh_token` grant.
 * An OpenID Connect request (scope `openid`) gets one with `offline_access` (OpenID Connect Core §11)
 * or when the client is set to always get one. A plain OAuth 2.0 request (no `openid`: an MCP client,
 * say) gets one because the client registered the grant: `offline_access` is an OpenID Connect scope
 * such clients do not know to ask for (RFC 6749 §1.5 leaves the choice to the server).
 */
export function wantsRefreshToken(client: ClientRecord, scopes: string[]): boolean {
  if (!client.grantTypes.includes('refresh_token')) return false;
  return client.alwaysIssueRefreshToken || scopes.includes('offline_access') || !scopes.includes('openid');
}

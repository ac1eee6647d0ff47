import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { readFormParameters } from '../http/body.ts';
import { CORS_HEADERS } from '../http/cors.ts';
import { findUsableToken } from '../tokens/find-token.ts';

type Context = Pick<
  ServerContext,
  'clientKeys' | 'store' | 'findClient' | 'issuer' | 'accessTokenAudience' | 'keys' | 'audit' | 'now'
>;

/**
 * The revocation endpoint (RFC 7009). The client authenticates (a public client with its
 * `client_id`), names a token it was issued, and the token's whole grant is revoked: a refresh
 * token takes its access tokens with it (§2.1), and an access token its refresh token, because
 * our access tokens are JWTs that can only be refused through their grant. Unknown, invalid,
 * already revoked or other clients' tokens are answered 200 like a success (§2.2), so the
 * endpoint reveals nothing. Client-credentials access tokens have no grant: they cannot be
 * revoked, which is said with `unsupported_token_type` (§2.2.1).
 */
export function revocationEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  return async (request, clientAddress) => {
    const params = await readFormParameters(request);
    const { client } = await authenticateClient(context, request, params, `${context.issuer}/revoke`);
    if (!params.token) throw invalidRequest('the token parameter is required');
    const found = await findUsableToken(context, params.token);
    const audit = (userId: string | null) =>
      context.audit.record({
        type: 'revocation',
        outcome: 'success',
        userId,
        clientId: client.clientId,
        ip: clientAddress ?? null,
        details: { token_type: found?.type ?? '' },
      });
    if (found?.type === 'refresh_token' && found.refreshToken.clientId === client.clientId) {
      await context.store.revokeGrant(found.grant.id, context.now());
      audit(found.grant.userId);
    } else if (found?.type === 'access_token' && found.claims.client_id === client.clientId) {
      if (found.claims.gid === undefined) {
        throw new OAuthError(
          'unsupported_token_type',
          'client credentials access tokens cannot be revoked; they expire',
        );
      }
      await context.store.revokeGrant(String(found.claims.gid), context.now());
      audit(found.grant?.userId ?? null);
    }
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store', ...CORS_HEADERS } });
  };
}

import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { readFormParameters } from '../http/body.ts';
import { jsonNoStore } from '../http/responses.ts';
import type { ClientRecord } from '../store/store.ts';
import { type FoundToken, findUsableToken } from '../tokens/find-token.ts';

type Context = Pick<
  ServerContext,
  'clientKeys' | 'store' | 'findClient' | 'issuer' | 'accessTokenAudience' | 'keys' | 'subjects' | 'now'
>;

/**
 * The introspection endpoint (RFC 7662), for confidential clients (resource servers are clients
 * too). Any of them may introspect access tokens; a refresh token is shown only to the client it
 * was issued to. Whatever is unknown, invalid, expired, revoked or not the caller's is simply
 * `{"active": false}` (§2.2).
 */
export function introspectionEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    const params = await readFormParameters(request);
    const { client, method } = await authenticateClient(
      context,
      request,
      params,
      `${context.issuer}/introspect`,
    );
    if (method === 'none') {
      throw new OAuthError(
        'invalid_client',
        'introspection is for confidential clients: authenticate with a secret',
        {
          status: 401,
          wwwAuthenticate: 'Basic realm="introspection"',
        },
      );
    }
    if (!params.token) throw invalidRequest('the token parameter is required');
    const found = await findUsableToken(context, params.token);
    if (!found || (found.type === 'refresh_token' && found.refreshToken.clientId !== client.clientId)) {
      return jsonNoStore({ active: false });
    }
    return jsonNoStore(describe(context, found, client));
  };
}

/**
 * The RFC 7662 §2.2 members of an active token. `sub` is the one its client sees: an access
 * token's own `sub`, and for a refresh token (shown only to its client, `caller`) the user's id or
 * the client's pairwise value, as in its ID tokens.
 */
function describe(
  context: Pick<Context, 'issuer' | 'subjects'>,
  found: FoundToken,
  caller: ClientRecord,
): Record<string, unknown> {
  if (found.type === 'access_token') {
    const { claims } = found;
    return {
      active: true,
      token_type: 'Bearer',
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
    };
  }
  const { refreshToken, grant } = found;
  return {
    active: true,
    token_type: 'refresh_token',
    scope: refreshToken.scopes.join(' '),
    client_id: refreshToken.clientId,
    sub: context.subjects.of(caller, grant.userId),
    iss: context.issuer,
    exp: refreshToken.expiresAt,
    iat: refreshToken.createdAt,
    auth_time: grant.authTime,
  };
}

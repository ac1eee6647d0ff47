import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { authorizationCodeGrant } from '../grants/authorization-code.ts';
import { clientCredentialsGrant } from '../grants/client-credentials.ts';
import { refreshTokenGrant } from '../grants/refresh-token.ts';
import { readFormParameters } from '../http/body.ts';
import { CORS_HEADERS } from '../http/cors.ts';
import { jsonNoStore } from '../http/responses.ts';

type Context = Pick<
  ServerContext,
  'scopes' | 'store' | 'findClient' | 'issuer' | 'accessTokenAudience' | 'lifetimes' | 'keys' | 'now'
>;

/**
 * The token endpoint (RFC 6749 §3.2): size-limited form parse → client authentication → grant
 * handler → one atomic store write → signed tokens → JSON with `Cache-Control: no-store`.
 * Errors are thrown as {@link OAuthError} and answered by the router (RFC 6749 §5.2).
 */
export function tokenEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    const params = await readFormParameters(request);
    const { client } = await authenticateClient(context.findClient, request, params);
    const now = context.now();
    const grantType = params.grant_type;
    switch (grantType) {
      case 'authorization_code':
        return jsonNoStore(await authorizationCodeGrant(context, client, params, now), 200, CORS_HEADERS);
      case 'refresh_token':
        return jsonNoStore(await refreshTokenGrant(context, client, params, now), 200, CORS_HEADERS);
      case 'client_credentials':
        return jsonNoStore(await clientCredentialsGrant(context, client, params, now), 200, CORS_HEADERS);
      case undefined:
        throw invalidRequest('the grant_type parameter is required');
      default:
        throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
  };
}

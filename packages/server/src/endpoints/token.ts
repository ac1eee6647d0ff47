import type { TokenEndpointResponse } from '@codegrant/protocol';
import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { checkDpopProof } from '../dpop/check-proof.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { authorizationCodeGrant } from '../grants/authorization-code.ts';
import { clientCredentialsGrant } from '../grants/client-credentials.ts';
import { refreshTokenGrant } from '../grants/refresh-token.ts';
import { readFormParameters } from '../http/body.ts';
import { CORS_HEADERS } from '../http/cors.ts';
import { jsonNoStore } from '../http/responses.ts';

type Context = Pick<
  ServerContext,
  | 'scopes'
  | 'store'
  | 'findClient'
  | 'issuer'
  | 'accessTokenAudience'
  | 'resources'
  | 'defaultResource'
  | 'lifetimes'
  | 'keys'
  | 'refreshTokenGraceSeconds'
  | 'dpopNonces'
  | 'clientKeys'
  | 'now'
>;

/**
 * The token endpoint (RFC 6749 §3.2): size-limited form parse → client authentication → DPoP
 * proof, if any (RFC 9449) → grant handler → one atomic store write → signed tokens → JSON with
 * `Cache-Control: no-store`. Errors are thrown as {@link OAuthError} and answered by the router
 * (RFC 6749 §5.2).
 */
export function tokenEndpoint(context: Context): (request: Request) => Promise<Response> {
  const tokenUrl = `${context.issuer}/token`;
  return async (request) => {
    const params = await readFormParameters(request);
    const { client } = await authenticateClient(context, request, params, tokenUrl);
    const dpopJkt = await checkDpopProof(context, request, tokenUrl, { errorCode: 'invalid_dpop_proof' });
    if (dpopJkt === null && client.dpopBoundAccessTokens) {
      throw new OAuthError(
        'invalid_dpop_proof',
        `client ${client.clientId} must send a DPoP proof (dpop_bound_access_tokens)`,
      );
    }
    const now = context.now();
    let response: TokenEndpointResponse;
    switch (params.grant_type) {
      case 'authorization_code':
        response = await authorizationCodeGrant(context, client, params, now, dpopJkt);
        break;
      case 'refresh_token':
        response = await refreshTokenGrant(context, client, params, now, dpopJkt);
        break;
      case 'client_credentials':
        response = await clientCredentialsGrant(context, client, params, now, dpopJkt);
        break;
      case undefined:
        throw invalidRequest('the grant_type parameter is required');
      default:
        throw new OAuthError('unsupported_grant_type', `grant_type ${params.grant_type} is not supported`);
    }
    const headers: Record<string, string> = { ...CORS_HEADERS };
    if (context.dpopNonces) headers['dpop-nonce'] = await context.dpopNonces.current(now);
    return jsonNoStore(response, 200, headers);
  };
}

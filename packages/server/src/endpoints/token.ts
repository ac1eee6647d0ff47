import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { checkDpopProof } from '../dpop/check-proof.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { authorizationCodeGrant } from '../grants/authorization-code.ts';
import { clientCredentialsGrant } from '../grants/client-credentials.ts';
import { DEVICE_CODE, deviceCodeGrant } from '../grants/device-code.ts';
import { GrantReplayError, type GrantResult } from '../grants/grant-result.ts';
import { refreshTokenGrant } from '../grants/refresh-token.ts';
import { TOKEN_EXCHANGE, tokenExchangeGrant } from '../grants/token-exchange.ts';
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
  | 'audit'
  | 'metrics'
  | 'tokenExchange'
  | 'deviceAuthorization'
  | 'subjects'
  | 'findAccountClaims'
  | 'now'
>;

/**
 * The token endpoint (RFC 6749 §3.2): size-limited form parse → client authentication → DPoP
 * proof, if any (RFC 9449) → grant handler → one atomic store write → signed tokens → JSON with
 * `Cache-Control: no-store`. Errors are thrown as {@link OAuthError} and answered by the router
 * (RFC 6749 §5.2). Every answer goes to the audit log: issued, or refused with its error.
 */
export function tokenEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  const answer = tokenAnswer(context);
  return async (request, clientAddress) => {
    const params = await readFormParameters(request);
    const grantType = params.grant_type ?? '';
    const authenticated: { clientId?: string } = {};
    try {
      const { response, userId, clientId } = await answer(request, params, authenticated);
      context.audit.record({
        type: 'token',
        outcome: 'success',
        userId,
        clientId,
        ip: clientAddress ?? null,
        details: { grant_type: grantType },
      });
      context.metrics?.tokensIssued.inc({ grant_type: grantType });
      return response;
    } catch (error) {
      if (error instanceof OAuthError) {
        const replay = error instanceof GrantReplayError ? error : undefined;
        context.audit.record({
          type: replay?.auditType ?? 'token',
          outcome: 'failure',
          userId: replay?.userId ?? null,
          // Only an authenticated client is named: an unauthenticated client_id is anyone's claim.
          clientId: authenticated.clientId ?? null,
          ip: clientAddress ?? null,
          reason: error.error,
          details: {
            grant_type: grantType,
            ...(params.client_id ? { client_id_sent: params.client_id } : {}),
          },
        });
      }
      throw error;
    }
  };
}

/**
 * Authenticates the client (noting it in `authenticated`, for the audit of a refusal) and runs its
 * grant: the response, with whose tokens they are.
 */
function tokenAnswer(
  context: Context,
): (
  request: Request,
  params: Record<string, string>,
  authenticated: { clientId?: string },
) => Promise<{ response: Response; userId: string | null; clientId: string }> {
  const tokenUrl = `${context.issuer}/token`;
  return async (request, params, authenticated) => {
    const { client } = await authenticateClient(context, request, params, tokenUrl);
    authenticated.clientId = client.clientId;
    const dpopJkt = await checkDpopProof(context, request, tokenUrl, { errorCode: 'invalid_dpop_proof' });
    if (dpopJkt === null && client.dpopBoundAccessTokens) {
      throw new OAuthError(
        'invalid_dpop_proof',
        `client ${client.clientId} must send a DPoP proof (dpop_bound_access_tokens)`,
      );
    }
    const now = context.now();
    let result: GrantResult;
    switch (params.grant_type) {
      case 'authorization_code':
        result = await authorizationCodeGrant(context, client, params, now, dpopJkt);
        break;
      case 'refresh_token':
        result = await refreshTokenGrant(context, client, params, now, dpopJkt);
        break;
      case 'client_credentials':
        result = await clientCredentialsGrant(context, client, params, now, dpopJkt);
        break;
      case TOKEN_EXCHANGE:
        if (!context.tokenExchange) {
          throw new OAuthError('unsupported_grant_type', 'token exchange is not enabled on this server');
        }
        result = await tokenExchangeGrant(context, client, params, now, dpopJkt, context.tokenExchange);
        break;
      case DEVICE_CODE:
        if (!context.deviceAuthorization) {
          throw new OAuthError(
            'unsupported_grant_type',
            'the device authorization grant is not enabled on this server',
          );
        }
        result = await deviceCodeGrant(context, client, params, now, dpopJkt);
        break;
      case undefined:
        throw invalidRequest('the grant_type parameter is required');
      default:
        throw new OAuthError('unsupported_grant_type', `grant_type ${params.grant_type} is not supported`);
    }
    const headers: Record<string, string> = { ...CORS_HEADERS };
    if (context.dpopNonces) headers['dpop-nonce'] = await context.dpopNonces.current(now);
    return {
      response: jsonNoStore(result.response, 200, headers),
      userId: result.userId,
      clientId: client.clientId,
    };
  };
}

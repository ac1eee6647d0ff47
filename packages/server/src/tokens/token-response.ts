import type { TokenEndpointResponse } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { accessTokenTarget } from '../resources/resource-indicators.ts';
import type { ClientRecord, GrantRecord } from '../store/store.ts';
import { issueAccessToken } from './access-token.ts';
import { issueIdToken } from './id-token.ts';

/**
 * Builds the successful token response (RFC 6749 §5.1) for a grant: a JWT access token (for the
 * resources the request names, RFC 8707; bound to the DPoP key, RFC 9449), an ID token when
 * `openid` was granted, and the refresh token the caller already stored (if any).
 *
 * @throws {OAuthError} `invalid_target` for a resource outside the grant
 */
export async function buildTokenResponse(
  context: Pick<ServerContext, 'issuer' | 'accessTokenAudience' | 'resources' | 'lifetimes' | 'keys'>,
  input: {
    grant: GrantRecord;
    client: ClientRecord;
    /** The scopes of this response (a refresh may narrow the grant's). */
    scopes: string[];
    /** The token request's `resource` parameter(s), space-joined. */
    resource: string | undefined;
    refreshToken: string | undefined;
    /** `null` on refresh: the nonce belongs to the first ID token only. */
    nonce: string | null;
    /** The thumbprint of the request's DPoP proof key, if any. */
    dpopJkt: string | null;
    now: number;
  },
): Promise<TokenEndpointResponse> {
  const { grant, client, scopes, now } = input;
  const target = accessTokenTarget(context, grant.resources, input.resource, scopes);
  const accessToken = await issueAccessToken(
    context,
    {
      grantId: grant.id,
      clientId: client.clientId,
      subject: grant.userId,
      scopes: target.scopes,
      authTime: grant.authTime,
      audience: target.audience,
      dpopJkt: input.dpopJkt,
    },
    now,
  );
  const response: TokenEndpointResponse = {
    access_token: accessToken.token,
    token_type: input.dpopJkt ? 'DPoP' : 'Bearer',
    expires_in: accessToken.expiresIn,
    scope: target.scopes.join(' '),
  };
  if (scopes.includes('openid')) {
    response.id_token = await issueIdToken(
      context,
      {
        clientId: client.clientId,
        userId: grant.userId,
        authTime: grant.authTime,
        amr: grant.amr,
        nonce: input.nonce,
        accessToken: accessToken.token,
        alg: client.idTokenSignedResponseAlg,
        sid: grant.sid,
      },
      now,
    );
  }
  if (input.refreshToken) response.refresh_token = input.refreshToken;
  return response;
}

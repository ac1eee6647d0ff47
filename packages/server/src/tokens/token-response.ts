import type { TokenEndpointResponse } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import type { ClientRecord, GrantRecord } from '../store/store.ts';
import { issueAccessToken } from './access-token.ts';
import { issueIdToken } from './id-token.ts';

/**
 * Builds the successful token response (RFC 6749 §5.1) for a grant: a JWT access token, an ID
 * token when `openid` was granted, and the refresh token the caller already stored (if any).
 */
export async function buildTokenResponse(
  context: Pick<ServerContext, 'issuer' | 'accessTokenAudience' | 'lifetimes' | 'keys'>,
  input: {
    grant: GrantRecord;
    client: ClientRecord;
    /** The scopes of this response (a refresh may narrow the grant's). */
    scopes: string[];
    refreshToken: string | undefined;
    /** `null` on refresh: the nonce belongs to the first ID token only. */
    nonce: string | null;
    now: number;
  },
): Promise<TokenEndpointResponse> {
  const { grant, client, scopes, now } = input;
  const accessToken = await issueAccessToken(
    context,
    { grantId: grant.id, clientId: client.clientId, subject: grant.userId, scopes, authTime: grant.authTime },
    now,
  );
  const response: TokenEndpointResponse = {
    access_token: accessToken.token,
    token_type: 'Bearer',
    expires_in: accessToken.expiresIn,
    scope: scopes.join(' '),
  };
  if (scopes.includes('openid')) {
    response.id_token = await issueIdToken(
      context,
      {
        clientId: client.clientId,
        userId: grant.userId,
        authTime: grant.authTime,
        nonce: input.nonce,
        accessToken: accessToken.token,
        alg: client.idTokenSignedResponseAlg,
      },
      now,
    );
  }
  if (input.refreshToken) response.refresh_token = input.refreshToken;
  return response;
}

import { splitSpaceDelimited, type TokenEndpointResponse } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store/store.ts';
import { issueAccessToken } from '../tokens/access-token.ts';

type Context = Pick<ServerContext, 'issuer' | 'accessTokenAudience' | 'lifetimes' | 'keys' | 'scopes'>;

/** Scopes about an end-user: meaningless when a client acts for itself. */
const USER_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/**
 * The `client_credentials` grant (RFC 6749 §4.4): a confidential client, registered for this
 * grant, gets an access token for itself (`sub` = its client id). No refresh token (§4.4.3), no
 * ID token, no grant row: the token cannot be revoked and lives its (short) lifetime. Unknown or
 * user scopes are refused with `invalid_scope`, since no consent page could narrow them.
 */
export async function clientCredentialsGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
): Promise<TokenEndpointResponse> {
  if (client.clientSecretHash === null || !client.grantTypes.includes('client_credentials')) {
    throw new OAuthError(
      'unauthorized_client',
      `client ${client.clientId} may not use the client_credentials grant (a confidential client registered for it may)`,
    );
  }
  const scopes = splitSpaceDelimited(params.scope);
  const refused = scopes.filter((scope) => USER_SCOPES.has(scope) || !context.scopes.includes(scope));
  if (refused.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `scope ${refused.join(' ')} cannot be granted to a client acting for itself`,
    );
  }
  const accessToken = await issueAccessToken(
    context,
    { clientId: client.clientId, subject: client.clientId, scopes },
    now,
  );
  return {
    access_token: accessToken.token,
    token_type: 'Bearer',
    expires_in: accessToken.expiresIn,
    scope: scopes.join(' '),
  };
}

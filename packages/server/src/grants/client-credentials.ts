import { splitSpaceDelimited } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { accessTokenTarget, grantResources } from '../resources/resource-indicators.ts';
import type { ClientRecord } from '../store/store.ts';
import { issueAccessToken } from '../tokens/access-token.ts';
import type { GrantResult } from './grant-result.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'accessTokenAudience' | 'resources' | 'defaultResource' | 'lifetimes' | 'keys' | 'scopes'
>;

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
  dpopJkt: string | null,
): Promise<GrantResult> {
  if (client.tokenEndpointAuthMethod === 'none' || !client.grantTypes.includes('client_credentials')) {
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
  // The client may name any configured resource (RFC 8707 §2): nobody else had to grant it.
  const resources = grantResources(context, params.resource);
  const target = accessTokenTarget(context, resources, params.resource, scopes);
  const accessToken = await issueAccessToken(
    context,
    {
      clientId: client.clientId,
      subject: client.clientId,
      scopes: target.scopes,
      audience: target.audience,
      dpopJkt,
    },
    now,
  );
  const response = {
    access_token: accessToken.token,
    token_type: dpopJkt ? 'DPoP' : 'Bearer',
    expires_in: accessToken.expiresIn,
    scope: target.scopes.join(' '),
  } as const;
  return { response, userId: null };
}

import type { TokenEndpointResponse } from '@codegrant/protocol';
import { accountClaimsSource, pickClaims } from '../claims/account-claims.ts';
import { parseClaimsParameter, requestedUserClaims } from '../claims/claims-request.ts';
import type { ServerContext } from '../context.ts';
import { accessTokenTarget } from '../resources/resource-indicators.ts';
import type { ClientRecord, GrantRecord } from '../store/store.ts';
import { issueAccessToken } from './access-token.ts';
import { issueIdToken } from './id-token.ts';

/** What {@link buildTokenResponse} needs. */
export type TokenResponseContext = Pick<
  ServerContext,
  | 'issuer'
  | 'accessTokenAudience'
  | 'resources'
  | 'lifetimes'
  | 'keys'
  | 'subjects'
  | 'store'
  | 'findAccountClaims'
>;

/**
 * Builds the successful token response (RFC 6749 §5.1) for a grant: a JWT access token (for the
 * resources the request names, RFC 8707; bound to the DPoP key, RFC 9449), an ID token when
 * `openid` was granted, and the refresh token the caller already stored (if any). Both tokens name
 * the user as the client sees them (`sub`: the user id, or the client's pairwise value). The ID
 * token carries the user's claims the grant's claims request asked in it (read only then: the
 * common path does no look-up).
 *
 * @throws {OAuthError} `invalid_target` for a resource outside the grant
 */
export async function buildTokenResponse(
  context: TokenResponseContext,
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
  const subject = context.subjects.of(client, grant.userId);
  const accessToken = await issueAccessToken(
    context,
    {
      grantId: grant.id,
      clientId: client.clientId,
      subject,
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
        subject,
        authTime: grant.authTime,
        amr: grant.amr,
        nonce: input.nonce,
        accessToken: accessToken.token,
        alg: client.idTokenSignedResponseAlg,
        sid: grant.sid,
        ...(grant.claims === null ? {} : await requestedIdTokenClaims(context, grant.claims, grant.userId)),
      },
      now,
    );
  }
  if (input.refreshToken) response.refresh_token = input.refreshToken;
  return response;
}

/**
 * The user's claims a grant's claims request asks in its ID tokens (OpenID Connect Core §5.5),
 * those the account has: unavailable ones are left out, `essential` or not (§5.5.1).
 */
async function requestedIdTokenClaims(
  context: TokenResponseContext,
  claimsRequest: string,
  userId: string,
): Promise<{ userClaims?: Record<string, unknown> }> {
  const names = requestedUserClaims(parseClaimsParameter(claimsRequest), 'id_token');
  if (names.length === 0) return {};
  const account = await accountClaimsSource(context)(userId);
  return account ? { userClaims: pickClaims(account, names) } : {};
}

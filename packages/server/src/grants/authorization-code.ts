import { isValidCodeVerifier } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { invalidGrant, invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord, GrantRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { buildTokenResponse } from '../tokens/token-response.ts';
import { issueFirstRefreshToken, wantsRefreshToken } from './first-refresh-token.ts';
import { GrantReplayError, type GrantResult } from './grant-result.ts';

type Context = Pick<
  ServerContext,
  | 'store'
  | 'issuer'
  | 'accessTokenAudience'
  | 'resources'
  | 'lifetimes'
  | 'keys'
  | 'subjects'
  | 'findAccountClaims'
>;

/**
 * The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.5, OpenID Connect Core §3.1.3).
 *
 * Steps: redeem the code with one atomic conditional write that checks everything at once
 * (client, redirect URI, PKCE challenge, expiry, unspent, grant not revoked) and alone decides the
 * winner under concurrency → store a refresh token if one is due → sign the tokens. Only a refusal
 * reads the code's grant, to say which check failed. A code presented after it was redeemed
 * revokes its grant: every token issued from it stops working (RFC 6749 §4.1.2).
 */
export async function authorizationCodeGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
  dpopJkt: string | null,
): Promise<GrantResult> {
  if (!client.grantTypes.includes('authorization_code')) {
    throw new OAuthError(
      'unauthorized_client',
      `client ${client.clientId} may not use the authorization_code grant`,
    );
  }
  const { code, redirect_uri: redirectUri, code_verifier: codeVerifier } = params;
  if (!code) throw invalidRequest('the code parameter is required');
  if (!redirectUri)
    throw invalidRequest(
      'the redirect_uri parameter is required: it was sent with the authorization request',
    );
  if (codeVerifier !== undefined && !isValidCodeVerifier(codeVerifier)) {
    throw invalidRequest('code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)');
  }

  const codeHash = sha256(code);
  // S256 is BASE64URL(SHA-256(verifier)): exactly our storage hash, computed synchronously.
  const codeChallenge = codeVerifier === undefined ? null : sha256(codeVerifier);
  const redeemed = await context.store.redeemCode({
    codeHash,
    clientId: client.clientId,
    redirectUri,
    codeChallenge,
    dpopJkt,
    now,
  });
  if (!redeemed)
    return explainRefusal(
      context,
      client,
      await context.store.findGrantByCodeHash(codeHash),
      params,
      now,
      dpopJkt,
    );

  const refreshToken = wantsRefreshToken(client, redeemed.scopes)
    ? await issueFirstRefreshToken(context, client, redeemed, dpopJkt, now)
    : undefined;

  const response = await buildTokenResponse(context, {
    grant: redeemed,
    client,
    scopes: redeemed.scopes,
    resource: params.resource,
    refreshToken,
    nonce: redeemed.nonce,
    dpopJkt,
    now,
  });
  return { response, userId: redeemed.userId };
}

/**
 * Says why a redemption lost, from the code's grant as it is now. The conditional write checked
 * everything at once; this only names the failed check. A code that was already redeemed is a
 * replay — or a concurrent redemption that lost — and revokes its grant (RFC 6749 §4.1.2).
 * A failed binding check (client, redirect URI, PKCE) leaves the code unspent, so whoever holds a
 * stolen code cannot burn the victim's.
 */
async function explainRefusal(
  context: Context,
  client: ClientRecord,
  grant: GrantRecord | null,
  params: Record<string, string>,
  now: number,
  dpopJkt: string | null,
): Promise<never> {
  if (!grant) throw invalidGrant('the authorization code is unknown or has expired');
  if (grant.codeConsumedAt !== null) {
    await context.store.revokeGrant(grant.id, now);
    throw new GrantReplayError(
      'token.code_replay',
      grant.userId,
      'the authorization code was already used; the tokens issued from it are revoked',
    );
  }
  if (grant.revokedAt !== null) throw invalidGrant('the authorization code was revoked');
  if (grant.codeExpiresAt <= now) throw invalidGrant('the authorization code has expired');
  if (grant.clientId !== client.clientId)
    throw invalidGrant('the authorization code was issued to another client');
  if (grant.dpopJkt !== null && grant.dpopJkt !== dpopJkt) {
    throw invalidGrant('the code is bound to a DPoP key (dpop_jkt): send a proof signed by that key');
  }
  if (grant.redirectUri !== params.redirect_uri) {
    throw invalidGrant(
      `redirect_uri ${params.redirect_uri} differs from the one of the authorization request`,
    );
  }
  // PKCE (RFC 7636 §4.6). A verifier for a code issued without a challenge signals a downgrade
  // attack, where an attacker stripped the challenge from the victim's request (RFC 9700 §4.8.2).
  if (grant.codeChallenge === null) {
    throw invalidGrant(
      'code_verifier sent, but the authorization request had no code_challenge (PKCE downgrade)',
    );
  }
  if (params.code_verifier === undefined) {
    throw invalidGrant('code_verifier is required: the authorization request used PKCE');
  }
  throw invalidGrant('code_verifier does not match the code_challenge (PKCE)');
}

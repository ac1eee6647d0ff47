import { isValidCodeVerifier, randomToken, type TokenEndpointResponse } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { invalidGrant, invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord, GrantRecord, RefreshTokenRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { buildTokenResponse } from '../tokens/token-response.ts';

type Context = Pick<ServerContext, 'store' | 'issuer' | 'accessTokenAudience' | 'lifetimes' | 'keys'>;

/**
 * The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.5, OpenID Connect Core §3.1.3).
 *
 * Steps: read the code's grant (to explain a refusal precisely) → check it against this request
 * → redeem it with one atomic conditional write, which alone decides the winner under concurrency
 * → sign the tokens. A code presented after it was redeemed revokes its grant: every token issued
 * from it stops working (RFC 6749 §4.1.2).
 */
export async function authorizationCodeGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
): Promise<TokenEndpointResponse> {
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
  const grant = await context.store.findGrantByCodeHash(codeHash);
  if (!grant) throw invalidGrant('the authorization code is unknown or has expired');
  if (grant.codeConsumedAt !== null) return refuseReplay(context, grant, now);
  if (grant.revokedAt !== null) throw invalidGrant('the authorization code was revoked');
  if (grant.codeExpiresAt <= now) throw invalidGrant('the authorization code has expired');
  if (grant.clientId !== client.clientId)
    throw invalidGrant('the authorization code was issued to another client');
  if (grant.redirectUri !== redirectUri) {
    throw invalidGrant(`redirect_uri ${redirectUri} differs from the one of the authorization request`);
  }
  const codeChallenge = checkPkce(grant, codeVerifier);

  const refreshToken = wantsRefreshToken(client, grant.scopes) ? randomToken() : undefined;
  const accessTokenExpiresAt = now + context.lifetimes.accessToken;
  const refreshRecord: RefreshTokenRecord | undefined = refreshToken
    ? {
        hash: sha256(refreshToken),
        grantId: grant.id,
        clientId: client.clientId,
        scopes: grant.scopes,
        createdAt: now,
        expiresAt: now + context.lifetimes.refreshToken,
        rotatedAt: null,
      }
    : undefined;
  const redeemed = await context.store.redeemCode({
    codeHash,
    clientId: client.clientId,
    redirectUri,
    codeChallenge,
    now,
    grantExpiresAt: Math.max(accessTokenExpiresAt, refreshRecord?.expiresAt ?? 0),
    ...(refreshRecord ? { refreshToken: refreshRecord } : {}),
  });
  // Another request redeemed the code between our read and our write: a replay like any other.
  if (!redeemed) return refuseReplay(context, grant, now);

  return buildTokenResponse(context, {
    grant: redeemed,
    client,
    scopes: redeemed.scopes,
    refreshToken,
    nonce: redeemed.nonce,
    now,
  });
}

/**
 * PKCE (RFC 7636 §4.6): the verifier must hash to the challenge of the authorization request. A
 * verifier sent for a code issued without a challenge is refused too: it signals a downgrade
 * attack, where an attacker stripped the challenge from the victim's request (RFC 9700 §4.8.2).
 *
 * @returns the challenge to bind the redemption to (`null` when the request had none)
 */
function checkPkce(grant: GrantRecord, codeVerifier: string | undefined): string | null {
  if (grant.codeChallenge === null) {
    if (codeVerifier !== undefined) {
      throw invalidGrant(
        'code_verifier sent, but the authorization request had no code_challenge (PKCE downgrade)',
      );
    }
    return null;
  }
  if (codeVerifier === undefined)
    throw invalidGrant('code_verifier is required: the authorization request used PKCE');
  // S256 is BASE64URL(SHA-256(verifier)): exactly our storage hash, computed synchronously.
  const challenge = sha256(codeVerifier);
  if (challenge !== grant.codeChallenge)
    throw invalidGrant('code_verifier does not match the code_challenge (PKCE)');
  return challenge;
}

async function refuseReplay(context: Context, grant: GrantRecord, now: number): Promise<never> {
  await context.store.revokeGrant(grant.id, now);
  throw invalidGrant('the authorization code was already used; the tokens issued from it are revoked');
}

/** A refresh token comes with `offline_access` (OpenID Connect Core §11) or when the client is set to always get one. */
export function wantsRefreshToken(client: ClientRecord, scopes: string[]): boolean {
  if (!client.grantTypes.includes('refresh_token')) return false;
  return client.alwaysIssueRefreshToken || scopes.includes('offline_access');
}

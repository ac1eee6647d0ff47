import { compactVerify, decodeJwt, type JWTPayload } from 'jose';
import type { ServerContext } from '../context.ts';
import { invalidRequest } from '../errors.ts';

/** A validated RP-initiated logout request. */
export interface LogoutRequest {
  /** Where to send the browser afterwards (registered for the client), if anywhere. */
  postLogoutRedirectUri: string | undefined;
  state: string | undefined;
  /** The end-user the client says is signing out (`sub` of a valid `id_token_hint`). */
  hintedSubject: string | undefined;
  /** The client the `id_token_hint` was issued to: whose `sub` it is (a pairwise one, maybe). */
  hintedClientId: string | undefined;
}

/**
 * Validates a logout request (OpenID Connect RP-Initiated Logout 1.0 §2-3). `id_token_hint` must
 * be an ID token we signed — expired ones are fine, the point is who it names. A
 * `post_logout_redirect_uri` is honoured only when it is registered, exactly, for the client
 * named by `client_id` or the hint's audience; otherwise the request fails on a page, like an
 * unregistered redirect URI at the authorization endpoint (no open redirector).
 *
 * @throws {OAuthError} `invalid_request`, shown on a page
 */
export async function validateLogoutRequest(
  context: Pick<ServerContext, 'issuer' | 'keys' | 'findClient'>,
  params: Record<string, string>,
): Promise<LogoutRequest> {
  let hint: JWTPayload | undefined;
  if (params.id_token_hint) {
    try {
      const { protectedHeader } = await compactVerify(params.id_token_hint, context.keys.verificationKeys, {
        algorithms: ['ES256', 'RS256'],
      });
      // Our other JWTs (access tokens, at+jwt; logout tokens, logout+jwt) are signed by the same keys.
      if (protectedHeader.typ !== 'JWT') throw new Error('not an ID token');
      hint = decodeJwt(params.id_token_hint);
    } catch {
      throw invalidRequest('id_token_hint is not an ID token this server signed');
    }
    if (hint.iss !== context.issuer) throw invalidRequest('id_token_hint was issued by another server');
  }
  const hintedClient =
    typeof hint?.aud === 'string' ? hint.aud : Array.isArray(hint?.aud) ? hint.azp : undefined;
  if (params.client_id && hintedClient && params.client_id !== hintedClient) {
    throw invalidRequest('client_id differs from the audience of id_token_hint');
  }
  const clientId = params.client_id ?? (typeof hintedClient === 'string' ? hintedClient : undefined);
  const postLogoutRedirectUri = params.post_logout_redirect_uri;
  if (postLogoutRedirectUri !== undefined) {
    if (!clientId)
      throw invalidRequest('post_logout_redirect_uri needs client_id or id_token_hint to say whose it is');
    const client = await context.findClient(clientId);
    if (!client) throw invalidRequest(`unknown client_id ${JSON.stringify(clientId)}`);
    if (!client.postLogoutRedirectUris.includes(postLogoutRedirectUri)) {
      throw invalidRequest(
        `post_logout_redirect_uri ${postLogoutRedirectUri} is not registered for client ${clientId}`,
      );
    }
  }
  return {
    postLogoutRedirectUri,
    state: params.state,
    hintedSubject: typeof hint?.sub === 'string' ? hint.sub : undefined,
    hintedClientId: typeof hintedClient === 'string' ? hintedClient : undefined,
  };
}

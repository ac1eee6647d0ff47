import { getValidatedIdTokenClaims, type TokenEndpointResponse } from '@codegrant/client';
import { User } from './user.ts';

/**
 * @internal The user of a token response. On a renewal, what the response leaves out (RFC 6749 §6:
 * the same refresh token; OIDC Core §12.2: no new ID token) is kept from `previous`, and the claims
 * of a new ID token update the profile.
 */
export function userFromTokens(tokens: TokenEndpointResponse, previous?: User, state?: unknown): User {
  const claims = getValidatedIdTokenClaims(tokens);
  return new User({
    access_token: tokens.access_token,
    token_type: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
    id_token: tokens.id_token ?? previous?.id_token,
    refresh_token: tokens.refresh_token ?? previous?.refresh_token,
    scope: tokens.scope ?? previous?.scope,
    profile: { ...previous?.profile, ...claims } as User['profile'],
    expires_at:
      tokens.expires_in === undefined ? undefined : Math.floor(Date.now() / 1000) + tokens.expires_in,
    state: previous ? previous.state : state,
  });
}

import { processRefreshTokenResponse, refreshTokenGrantRequest } from '@codegrant/client';
import { type Context, withDPoPNonce } from './context.ts';
import type { User } from './user.ts';
import { userFromTokens } from './user-from-tokens.ts';
import { completeProfile } from './user-info.ts';

/**
 * @internal Renews a user with their refresh token; a new ID token must name the same `sub`
 * (OpenID Connect Core §12.2). Coordination between tabs is the caller's.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function refreshUser(context: Context, user: User): Promise<User> {
  const { as, client, http, dpop } = context;
  const tokens = await withDPoPNonce(context, async () =>
    processRefreshTokenResponse(
      as,
      client,
      await refreshTokenGrantRequest(as, client, user.refresh_token!, { ...http, DPoP: dpop }),
      { ...http, expectedSubject: user.profile.sub },
    ),
  );
  return completeProfile(context, userFromTokens(tokens, user));
}

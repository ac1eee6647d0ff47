import { processUserInfoResponse, userInfoRequest } from '@codegrant/client';
import { type Context, withDPoPNonce } from './context.ts';
import { User } from './user.ts';

/**
 * Claims that only the validated ID token speaks for: UserInfo may not replace them (its `sub` is
 * compared instead).
 */
const ID_TOKEN_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'auth_time',
  'nonce',
  'azp',
  'at_hash',
  'c_hash',
  'acr',
  'amr',
  'sid',
  'jti',
]);

/**
 * @internal With `loadUserInfo`, the user with their profile completed by the UserInfo endpoint's
 * claims (asked with the new access token, Bearer or DPoP): its `sub` must be the ID token's (OIDC
 * Core §5.3.4: a token substitution is refused), its other claims (`name`, `email`, …) are added or
 * updated, and the ID token's protocol claims stay as validated. Without it, the user as it is.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export async function completeProfile(context: Context, user: User): Promise<User> {
  if (!context.loadUserInfo) return user;
  const { as, client, http, dpop } = context;
  const claims = await withDPoPNonce(context, async () =>
    processUserInfoResponse(
      as,
      client,
      user.profile.sub,
      await userInfoRequest(as, client, user.access_token, { ...http, DPoP: dpop }),
    ),
  );
  const profile: Record<string, unknown> = { ...user.profile };
  for (const [name, value] of Object.entries(claims)) if (!ID_TOKEN_CLAIMS.has(name)) profile[name] = value;
  return new User({ ...user, profile: profile as User['profile'] });
}

import type { ServerContext } from '../context.ts';
import type { SigningAlg } from '../keys/signing-keys.ts';
import { randomValue } from './random.ts';
import { signJwt } from './sign-jwt.ts';

/** The event a logout token carries (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * Seconds a logout token is valid. It is sent at once and a relying party should accept it only
 * briefly; each retry signs a new one, so a short life costs nothing.
 */
export const LOGOUT_TOKEN_LIFETIME = 120;

/** What a logout token states. */
export interface LogoutTokenFacts {
  clientId: string;
  userId: string;
  /** The client's `sid` for the session that ended (`logout/session-id.ts`). */
  sid: string;
  /** The client's `id_token_signed_response_alg`: §2.4 signs logout tokens as its ID tokens. */
  alg: SigningAlg;
}

/**
 * Issues a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): a JWT of `typ`
 * `logout+jwt` (§2.4.1, so it cannot pass for an ID token) signed with our ID token keys, with
 * `iss`, `aud`, `iat`, `exp`, a fresh `jti`, both `sub` and `sid` (the session that ended, of that
 * user: §2.4 allows both, and relying parties keyed on either find it), the back-channel logout
 * event, and never a `nonce` (§2.4: its absence tells it from an ID token).
 */
export function issueLogoutToken(
  context: Pick<ServerContext, 'issuer' | 'keys'>,
  facts: LogoutTokenFacts,
  now: number,
): Promise<string> {
  return signJwt(context.keys.signer(facts.alg), 'logout+jwt', {
    iss: context.issuer,
    aud: facts.clientId,
    iat: now,
    exp: now + LOGOUT_TOKEN_LIFETIME,
    jti: randomValue(16),
    sub: facts.userId,
    sid: facts.sid,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  });
}

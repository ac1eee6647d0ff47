import type { ServerContext } from '../context.ts';
import { acrFor } from '../interaction/authentication-methods.ts';
import type { SigningAlg } from '../keys/signing-keys.ts';
import { accessTokenHash } from './hash.ts';
import { signJwt } from './sign-jwt.ts';

/** The facts an ID token states. */
export interface IdTokenFacts {
  clientId: string;
  /** The `sub`: the user's id, or its pairwise value for this client (`subjects/pairwise.ts`). */
  subject: string;
  authTime: number;
  /** How the user signed in (RFC 8176): the `amr` claim and the `acr` it implies. */
  amr: string[];
  /** The authorization request's `nonce`; omitted on refresh (OpenID Connect Core §12.2). */
  nonce: string | null;
  accessToken: string;
  alg: SigningAlg;
  /** Claims about the user a claims request asked in the ID token (OpenID Connect Core §5.5). */
  userClaims?: Record<string, unknown>;
  /** The client's name for the session the grant was made in (back-channel logout), or `null`. */
  sid: string | null;
}

/**
 * Issues an ID token (OpenID Connect Core §2, §3.1.3.6): `iss`, `sub`, `aud`, `exp`, `iat`,
 * `auth_time`, `acr`, `amr`, `nonce`, `at_hash`, `sid` for clients with a back-channel logout
 * URI (Back-Channel Logout 1.0 §2.1: the session their logout tokens will name), and the user's
 * claims a claims request asked for, signed with the client's registered algorithm.
 */
export async function issueIdToken(
  context: Pick<ServerContext, 'issuer' | 'lifetimes' | 'keys'>,
  facts: IdTokenFacts,
  now: number,
): Promise<string> {
  const standard: Record<string, unknown> = {
    iss: context.issuer,
    sub: facts.subject,
    aud: facts.clientId,
    iat: now,
    exp: now + context.lifetimes.idToken,
    auth_time: facts.authTime,
    at_hash: accessTokenHash(facts.accessToken),
  };
  // The user's claims go first, so none of them can stand in for a protocol claim; a literal with
  // a spread is only built when there are some (the token endpoint's common case has none).
  const claims = facts.userClaims ? { ...facts.userClaims, ...standard } : standard;
  if (facts.nonce !== null) claims.nonce = facts.nonce;
  if (facts.sid !== null) claims.sid = facts.sid;
  const acr = acrFor(facts.amr);
  if (acr !== null) {
    claims.acr = acr;
    claims.amr = facts.amr;
  }
  return signJwt(context.keys.signer(facts.alg), 'JWT', claims);
}

import type { ServerContext } from '../context.ts';
import { randomValue } from './random.ts';
import { signJwt } from './sign-jwt.ts';

/** What an access token says: who, for which client, which grant, which scopes. */
export interface AccessTokenSubject {
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  authTime: number;
}

/**
 * Issues a JWT access token (RFC 9068): `typ` `at+jwt`, ES256. It carries `gid`, the grant it
 * belongs to, so our own endpoints refuse it once the grant is revoked (code replay, refresh reuse).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export async function issueAccessToken(
  context: Pick<ServerContext, 'issuer' | 'accessTokenAudience' | 'lifetimes' | 'keys'>,
  subject: AccessTokenSubject,
  now: number,
): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = context.lifetimes.accessToken;
  const token = await signJwt(context.keys.signer('ES256'), 'at+jwt', {
    iss: context.issuer,
    sub: subject.userId,
    aud: context.accessTokenAudience,
    client_id: subject.clientId,
    iat: now,
    exp: now + expiresIn,
    jti: randomValue(16),
    scope: subject.scopes.join(' '),
    auth_time: subject.authTime,
    gid: subject.grantId,
  });
  return { token, expiresIn };
}

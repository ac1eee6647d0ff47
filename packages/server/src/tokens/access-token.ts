import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.ts';
import { signJwt } from './sign-jwt.ts';

/**
 * What an access token says: who (`subject`: a user id, or the client itself for client
 * credentials), for which client, which grant, which scopes.
 */
export interface AccessTokenSubject {
  clientId: string;
  subject: string;
  scopes: string[];
  /** The grant the token belongs to; none for client credentials, which no user granted. */
  grantId?: string;
  /** When the user signed in; none for client credentials. */
  authTime?: number;
  /** The `aud`: resources (RFC 8707), or the default audience. */
  audience: string | string[];
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to (`cnf.jkt`). */
  dpopJkt: string | null;
  /** RFC 8693 §4.1: who acts for the subject (a token exchanged for delegation). */
  act?: Record<string, unknown>;
}

/**
 * Issues a JWT access token (RFC 9068): `typ` `at+jwt`, ES256. A user's token carries `gid`, the
 * grant it belongs to, so our own endpoints refuse it once the grant is revoked (code replay,
 * refresh reuse, revocation).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export async function issueAccessToken(
  context: Pick<ServerContext, 'issuer' | 'lifetimes' | 'keys'>,
  subject: AccessTokenSubject,
  now: number,
): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = context.lifetimes.accessToken;
  const claims: Record<string, unknown> = {
    iss: context.issuer,
    sub: subject.subject,
    aud: subject.audience,
    client_id: subject.clientId,
    iat: now,
    exp: now + expiresIn,
    // Unique, not secret: a UUID draws on Node's buffered entropy instead of one CSPRNG call
    // (and its fork-check syscall) per token.
    jti: randomUUID(),
    scope: subject.scopes.join(' '),
  };
  if (subject.authTime !== undefined) claims.auth_time = subject.authTime;
  if (subject.grantId !== undefined) claims.gid = subject.grantId;
  if (subject.dpopJkt !== null) claims.cnf = { jkt: subject.dpopJkt };
  if (subject.act !== undefined) claims.act = subject.act;
  const token = await signJwt(context.keys.signer('ES256'), 'at+jwt', claims);
  return { token, expiresIn };
}

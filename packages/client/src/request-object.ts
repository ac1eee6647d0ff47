import { randomToken } from '@codegrant/protocol';
import { SignJWT } from 'jose';
import { jwsAlgorithm, type PrivateKey } from './keys.ts';
import type { AuthorizationServer, Client } from './types.ts';

/** How long a request object is valid: long enough for a slow redirect, short enough to be useless later. */
const LIFETIME = '5m';

/**
 * Signs an authorization request's `parameters` as a request object (JAR, RFC 9101 §4): `iss` and
 * `client_id` the client, `aud` the issuer, `iat`, `exp` five minutes on, a random `jti`, and
 * `typ` `oauth-authz-req+jwt`; `max_age` as a number and `claims` as an object, as servers read them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-4
 */
export async function issueRequestObject(
  as: AuthorizationServer,
  client: Client,
  parameters: URLSearchParams,
  signingKey: CryptoKey | PrivateKey,
): Promise<string> {
  const { key, kid } = 'key' in signingKey ? signingKey : { key: signingKey, kid: undefined };
  const claims: Record<string, unknown> = Object.fromEntries(parameters);
  if (claims.max_age !== undefined && /^\d+$/.test(String(claims.max_age)))
    claims.max_age = Number(claims.max_age);
  if (typeof claims.claims === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(claims.claims);
    } catch {
      throw new TypeError('the claims parameter must be JSON');
    }
    // OpenID Connect Core §5.5: a JSON object (with `userinfo` and/or `id_token` members).
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TypeError('the claims parameter must be a JSON object');
    }
    claims.claims = parsed;
  }
  claims.client_id = client.client_id;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: jwsAlgorithm(key), typ: 'oauth-authz-req+jwt', ...(kid ? { kid } : {}) })
    .setIssuer(client.client_id)
    .setAudience(as.issuer)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .setJti(randomToken())
    .sign(key);
}

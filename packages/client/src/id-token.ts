import type { IDTokenClaims } from '@codegrant/protocol';
import { fail, mismatch, show } from './errors.ts';
import type { HttpRequestOptions } from './http.ts';
import { checkTimes, claim, digest, issuerKeys, readJws } from './jwt.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * What an ID token is checked against besides the server and the client.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export interface IDTokenChecks {
  /**
   * The `nonce` of the authorization request; when absent, the ID token must carry none. `false`:
   * the ID token does not answer an authentication request (refresh): `nonce` and `max_age` are
   * not checked.
   */
  expectedNonce?: string | false | undefined;
  /** The `max_age` of the authorization request (default the client's `default_max_age`). */
  maxAge?: number | undefined;
  /** On refresh: the `sub` of the ID token of the original authentication (OIDC Core §12.2). */
  expectedSubject?: string | undefined;
  /** The access token issued with the ID token, for `at_hash`. */
  accessToken?: string | undefined;
  /**
   * Do not verify the signature: only for an ID token received straight from the token endpoint
   * over TLS, where OIDC Core §3.1.3.7 step 6 lets TLS stand in for it (openid-client's default).
   * `at_hash` is then not checked either (it vouches for the access token only through the
   * signature); every other check stays, `alg` included.
   */
  skipIdTokenSignatureCheck?: boolean | undefined;
}

const secret = (client: Client): string => {
  if (!client.client_secret) throw new TypeError('HS* needs a client_secret');
  return client.client_secret;
};

const ASYMMETRIC = /^(?:[RP]S|ES)(?:256|384|512)$|^Ed(?:DSA|25519)$/;

/**
 * Validates an ID token as OpenID Connect Core §3.1.3.7 requires: a JWS (no `none`), `alg` the
 * client's registered `id_token_signed_response_alg` or else an asymmetric one the server
 * advertises (HS256 only when registered: then keyed by the client secret), the signature verified
 * by jose against the issuer's JWKS (cached, its keys imported once; fetched again once on an
 * unknown `kid`) unless `skipIdTokenSignatureCheck`, `iss`, `sub`, `aud` (with `azp` when there
 * are several audiences), `exp`/`nbf`/`iat` with the client's clock tolerance, `nonce`,
 * `auth_time` against `max_age`, `at_hash` when present (and the signature verified), and on
 * refresh an unchanged `sub`.
 *
 * @returns the validated claims
 * @throws {ClientError} `ERR_JWT_INVALID`, `ERR_JWT_ALG`, `ERR_JWT_SIGNATURE`, `ERR_JWKS`,
 *   `ERR_JWT_CLAIM`, `ERR_JWT_EXPIRED`, `ERR_JWT_TIME`, `ERR_AUTH_TIME`, `ERR_SUBJECT_MISMATCH`
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
export async function validateIdToken(
  as: AuthorizationServer,
  client: Client,
  idToken: string,
  checks: IDTokenChecks = {},
  options: HttpRequestOptions = {},
): Promise<IDTokenClaims> {
  const what = 'ID token';
  const registered = client.id_token_signed_response_alg;
  const algorithms = registered
    ? [registered].filter((alg) => alg !== 'none')
    : (as.id_token_signing_alg_values_supported?.filter((alg) => ASYMMETRIC.test(alg)) ?? ['RS256']);
  const key = registered?.startsWith('HS') && new TextEncoder().encode(secret(client));
  const verify = !checks.skipIdTokenSignatureCheck;
  const { accessToken } = checks;
  let atHash: Promise<string> | undefined;
  const { claims } = await readJws(
    idToken,
    what,
    algorithms,
    verify
      ? (header) => {
          // at_hash is checked only once the signature is verified, but its digest (a thread-pool
          // round trip on Node.js) is computed alongside the verification rather than after it.
          const alg = header.alg!;
          if (accessToken !== undefined)
            atHash = digest(accessToken, alg.startsWith('Ed') ? 512 : alg.slice(2), true);
          atHash?.catch(() => {});
          return key ? [key] : issuerKeys(as, options, header);
        }
      : undefined,
  );
  claim(claims, 'iss', as.issuer, what);
  if (typeof claims.sub !== 'string' || !claims.sub)
    mismatch('ERR_JWT_CLAIM', `${what} sub`, 'a string', claims.sub);
  const audiences = ([] as unknown[]).concat(claims.aud);
  if (!audiences.includes(client.client_id))
    mismatch('ERR_JWT_CLAIM', `${what} aud`, show(client.client_id), claims.aud);
  if (audiences.length > 1 || claims.azp !== undefined) claim(claims, 'azp', client.client_id, what);
  const [now, tolerance] = checkTimes(claims, what, client);
  if (checks.expectedNonce !== false) claim(claims, 'nonce', checks.expectedNonce, what);
  const maxAge = checks.expectedNonce === false ? undefined : (checks.maxAge ?? client.default_max_age);
  const authTime = claims.auth_time as number;
  if (
    (maxAge !== undefined || client.require_auth_time || authTime !== undefined) &&
    typeof authTime !== 'number'
  ) {
    mismatch('ERR_AUTH_TIME', `${what} auth_time`, 'a number', authTime);
  }
  if (maxAge !== undefined && authTime + maxAge < now - tolerance) {
    fail('ERR_AUTH_TIME', `${what} auth_time ${authTime} is older than max_age ${maxAge} s (now ${now})`);
  }
  // at_hash vouches for the access token only through a verified signature.
  if (atHash && claims.at_hash !== undefined && claims.at_hash !== (await atHash))
    fail('ERR_JWT_CLAIM', `${what} at_hash does not match the access token`);
  if (checks.expectedSubject !== undefined && claims.sub !== checks.expectedSubject) {
    mismatch('ERR_SUBJECT_MISMATCH', `${what} sub`, show(checks.expectedSubject), claims.sub);
  }
  return claims as IDTokenClaims;
}

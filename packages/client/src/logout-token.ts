import { fail, mismatch, show } from './errors.ts';
import type { HttpRequestOptions } from './http.ts';
import { checkTimes, claim, issuerKeys, readJws } from './jwt.ts';
import type { AuthorizationServer, Client } from './types.ts';

/** The event member of every logout token's `events` claim. */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * The claims of a validated logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). It names
 * who signed out — `sub` (every session of that end-user), `sid` (that session), or both (that
 * session of that end-user) — compared by the relying party with the `sub` and `sid` of the ID
 * tokens of its sessions.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 */
export interface LogoutTokenClaims {
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
  jti: string;
  sub?: string;
  sid?: string;
  events: { [BACKCHANNEL_LOGOUT_EVENT]: Record<string, unknown> } & Record<string, unknown>;
  [claim: string]: unknown;
}

/**
 * What a logout token is checked against besides the server and the client.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export interface LogoutTokenChecks {
  /**
   * Replay detection (§2.6 step 7): called once every other check passed, with the token's `jti`
   * and `exp`. Record the `jti` until `exp` (plus your clock tolerance) and answer `true` the first
   * time, `false` when it was seen before (the token is then refused with `ERR_JWT_REPLAY`). Use a
   * store shared by all your processes, with an atomic insert-if-absent. Without it, a token may be
   * accepted again until it expires: harmless to a relying party whose logouts are idempotent.
   */
  rememberJti?: (jti: string, exp: number) => boolean | Promise<boolean>;
}

const ASYMMETRIC = /^(?:[RP]S|ES)(?:256|384|512)$|^Ed(?:DSA|25519)$/;

/**
 * Validates a logout token as OpenID Connect Back-Channel Logout 1.0 §2.6 requires:
 * - a JWS (an encrypted token is refused: not supported), its `alg` chosen as for ID tokens — the
 *   client's `id_token_signed_response_alg`, else an asymmetric one the server advertises (HS256
 *   only when registered, keyed by the client secret) — and its signature verified by jose against
 *   the issuer's JWKS (cached; fetched again once on an unknown `kid`);
 * - `typ` (§2.4.1, §4.1): `logout+jwt` (or `application/logout+jwt`); a token without `typ`, or
 *   with the generic `JWT` that some servers still send, is taken as untyped; any other `typ` (an
 *   access token's `at+jwt`, …) is refused;
 * - `iss`, `aud` (with `azp` when there are several audiences), `iat` and `exp` (with the client's
 *   clock tolerance and skew), `jti` a string;
 * - `sub` and/or `sid`, strings; `events` an object whose back-channel logout member is an object;
 *   no `nonce` (§2.4: that is what tells it from an ID token);
 * - then, if `checks.rememberJti` is given, that the `jti` was not seen before.
 *
 * What the token names is then the caller's to end: its sessions whose ID token had this `iss` and
 * this `sid`, or, without `sid`, every session of this `sub`.
 *
 * @returns the validated claims
 * @throws {ClientError} `ERR_JWT_INVALID`, `ERR_JWT_ALG`, `ERR_JWT_SIGNATURE`, `ERR_JWKS`,
 *   `ERR_JWKS_UNAVAILABLE`, `ERR_JWT_CLAIM`, `ERR_JWT_EXPIRED`, `ERR_JWT_TIME`, `ERR_JWT_REPLAY`
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export async function validateLogoutToken(
  as: AuthorizationServer,
  client: Client,
  logoutToken: string,
  checks: LogoutTokenChecks = {},
  options: HttpRequestOptions = {},
): Promise<LogoutTokenClaims> {
  const what = 'logout token';
  if (typeof logoutToken !== 'string') throw new TypeError('"logoutToken" must be a string');
  const registered = client.id_token_signed_response_alg;
  const algorithms = registered
    ? [registered].filter((alg) => alg !== 'none')
    : (as.id_token_signing_alg_values_supported?.filter((alg) => ASYMMETRIC.test(alg)) ?? ['RS256']);
  const secret = registered?.startsWith('HS') ? client.client_secret : undefined;
  if (registered?.startsWith('HS') && !secret) throw new TypeError('HS* needs a client_secret');
  const { header, claims } = await readJws(logoutToken, what, algorithms, (header) =>
    secret ? [new TextEncoder().encode(secret)] : issuerKeys(as, options, header),
  );
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : header.typ;
  if (typ !== undefined && typ !== 'jwt' && typ !== 'logout+jwt' && typ !== 'application/logout+jwt')
    mismatch('ERR_JWT_INVALID', `${what} typ`, 'logout+jwt', header.typ);

  claim(claims, 'iss', as.issuer, what);
  const audiences = ([] as unknown[]).concat(claims.aud);
  if (!audiences.includes(client.client_id))
    mismatch('ERR_JWT_CLAIM', `${what} aud`, show(client.client_id), claims.aud);
  if (audiences.length > 1 || claims.azp !== undefined) claim(claims, 'azp', client.client_id, what);
  checkTimes(claims, what, client);
  if (typeof claims.jti !== 'string' || !claims.jti)
    mismatch('ERR_JWT_CLAIM', `${what} jti`, 'a string', claims.jti);
  for (const name of ['sub', 'sid']) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'string' || !value))
      mismatch('ERR_JWT_CLAIM', `${what} ${name}`, 'a string', value);
  }
  if (claims.sub === undefined && claims.sid === undefined)
    fail('ERR_JWT_CLAIM', `${what}: neither sub nor sid names who signed out`);
  const events = claims.events as Record<string, unknown> | undefined;
  const event = typeof events === 'object' && events !== null ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    mismatch('ERR_JWT_CLAIM', `${what} events`, `an object with ${BACKCHANNEL_LOGOUT_EVENT}`, claims.events);
  if (claims.nonce !== undefined)
    fail('ERR_JWT_CLAIM', `${what}: carries a nonce, which a logout token never does (an ID token?)`);
  if (checks.rememberJti && !(await checks.rememberJti(claims.jti, claims.exp as number)))
    fail('ERR_JWT_REPLAY', `${what} jti ${show(claims.jti)} was received before`);
  return claims as LogoutTokenClaims;
}

/**
 * @internal The `logout_token` of a back-channel logout request (§2.5): a `POST` with a form body
 * holding it once.
 */
export async function logoutTokenOf(request: Request): Promise<string> {
  if (!(request instanceof Request)) throw new TypeError('"request" must be a Request');
  const what = 'back-channel logout request';
  if (request.method !== 'POST') fail('ERR_TOKEN_MISSING', `${what}: expected POST, got ${request.method}`);
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    fail(
      'ERR_TOKEN_MISSING',
      `${what}: expected a form (application/x-www-form-urlencoded), got ${show(type)}`,
    );
  const tokens = new URLSearchParams(await request.text()).getAll('logout_token');
  if (tokens.length !== 1 || !tokens[0])
    fail('ERR_TOKEN_MISSING', `${what}: expected one logout_token, got ${tokens.length}`);
  return tokens[0];
}

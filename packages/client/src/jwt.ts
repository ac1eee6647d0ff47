import { base64urlEncode } from '@codegrant/protocol';
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWK, type JWSHeaderParameters } from 'jose';
import { fail, mismatch, show } from './errors.ts';
import { endpoint, type HttpRequestOptions, readJson, send } from './http.ts';
import { clockSkew, clockTolerance } from './symbols.ts';
import { type AuthorizationServer, type Client, isObject } from './types.ts';

/**
 * @internal A key that may have signed a JWS: a JWK (its `alg` and `use` checked by {@link usable})
 * or an HMAC secret. jose imports a JWK when it first verifies with it and keeps the `CryptoKey`
 * per JWK object and `alg`: the issuer's JWKs live in its cached key set, so each is imported once.
 */
export type CandidateKey = JWK | Uint8Array;

const keySets = new WeakMap<AuthorizationServer, { uri: string; at: number; keys: Promise<JWK[]> }>();

/**
 * @internal A JWK to verify a JWS of `alg` with: one made for another `alg` or a `use` other than
 * `sig` is refused (jose checks these too, and `key_ops`, that it is public, RSA of 2048 bits).
 */
export function usable(jwk: JWK, alg: string): JWK {
  if (jwk.alg && jwk.alg !== alg) throw new TypeError(`the key is for ${jwk.alg}`);
  if (jwk.use && jwk.use !== 'sig') throw new TypeError(`the key is for ${jwk.use}`);
  return jwk;
}

/**
 * @internal The keys of the issuer's JWKS (`jwks_uri`) that may have signed a JWS with this header:
 * same `kid` (when the header has one), a `kty` of the `alg`, no other `alg`, `use` `sig`. The set
 * is fetched through
 * this library's transport, cached per server metadata object for 10 minutes, and fetched again once
 * when no key matches (an unknown `kid`: the server rotated its keys), at most every 30 s.
 */
export async function issuerKeys(
  as: AuthorizationServer,
  options: HttpRequestOptions,
  header: JWSHeaderParameters,
): Promise<CandidateKey[]> {
  const uri = endpoint(as, 'jwks_uri');
  const load = () => {
    // The transport settings only: not the caller's DPoP handle nor its (single-use) signal.
    const http = { ...options, DPoP: undefined, signal: undefined };
    const keys = send(uri, 'GET', new Headers({ accept: 'application/json' }), undefined, http).then(
      async (response) => {
        const { keys } = await readJson(response, 'jwks_uri');
        if (!Array.isArray(keys)) fail('ERR_JWKS_UNAVAILABLE', 'jwks_uri: the response has no "keys" array');
        return keys.filter(isObject) as JWK[];
      },
    );
    const entry = { uri, at: Date.now(), keys };
    keys.catch(() => keySets.get(as) === entry && keySets.delete(as));
    keySets.set(as, entry);
    return entry;
  };
  const { alg, kid } = header;
  const kty = /^[RP]S/.test(alg!) ? 'RSA' : alg!.startsWith('ES') ? 'EC' : 'OKP';
  const select = (keys: JWK[]) =>
    keys.filter(
      (jwk) =>
        jwk.kty === kty &&
        (!kid || jwk.kid === kid) &&
        (!jwk.alg || jwk.alg === alg) &&
        (!jwk.use || jwk.use === 'sig'),
    );
  let cached = keySets.get(as);
  if (cached?.uri !== uri || Date.now() - cached.at > 600_000) cached = load();
  const keys = select(await cached.keys);
  return keys.length || Date.now() - cached.at < 30_000 ? keys : select(await load().keys);
}

const encoder = new TextEncoder();

/** A failure of jose's JWS/JWT parsing, with this library's message. */
function invalid(what: string, err: unknown): never {
  const message = (err as Error).message;
  fail(
    'ERR_JWT_INVALID',
    /signature/.test(message)
      ? `${what}: the signature is not base64url`
      : /payload|Claims Set/.test(message)
        ? `${what}: the payload is not a JSON object`
        : `${what}: not a compact JWS`,
    { cause: err },
  );
}

/** The JWT claims set of a compact JWS, decoded by jose: a JSON object. */
function claimsOf(jws: string, what: string): Record<string, unknown> {
  try {
    return decodeJwt(jws);
  } catch (err) {
    invalid(what, err);
  }
}

/**
 * @internal Reads a compact JWS with jose: its header (`alg` one of `algorithms`, no `crit`: no
 * extension is understood here, RFC 7515 §4.1.11); given `keys`, its signature verified by
 * `jose.compactVerify`, whose key resolver takes the candidate keys in turn (several match a header
 * without `kid`); its payload decoded by `jose.decodeJwt`, a JSON object. Without `keys` (an
 * unverified ID token) the signature is not checked. The claims are checked by the caller.
 */
export async function readJws(
  jws: string,
  what: string,
  algorithms: readonly string[],
  keys?: (header: JWSHeaderParameters) => CandidateKey[] | Promise<CandidateKey[]>,
): Promise<{ header: JWSHeaderParameters; claims: Record<string, unknown> }> {
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(jws);
  } catch (err) {
    invalid(what, err);
  }
  if (!algorithms.includes(header.alg as string))
    mismatch('ERR_JWT_ALG', `${what} alg`, `one of ${algorithms}`, header.alg);
  if (header.crit !== undefined)
    fail('ERR_JWT_INVALID', `${what}: crit ${show(header.crit)} is not understood`);
  if (!keys) return { header, claims: claimsOf(jws, what) };
  const candidates = await keys(header);
  if (!candidates[0])
    fail('ERR_JWKS', `${what}: no key of the issuer matches kid ${show(header.kid)} and alg ${header.alg}`);
  let mismatched = false;
  let problem = '';
  for (const candidate of candidates) {
    try {
      await compactVerify(
        jws,
        (verified) => (candidate instanceof Uint8Array ? candidate : usable(candidate, verified.alg!)),
        { algorithms: algorithms as string[] },
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') mismatched = true;
      else if (code === 'ERR_JWS_INVALID') invalid(what, err);
      // jose's words for RFC 7518 §3.3, §3.5: RSA keys of 2048 bits at least.
      else
        problem = (err as Error).message.replace(
          /.*modulusLength.*/,
          'the RSA key is shorter than 2048 bits',
        );
      continue;
    }
    return { header, claims: claimsOf(jws, what) };
  }
  if (mismatched) fail('ERR_JWT_SIGNATURE', `${what}: signature verification failed`);
  fail('ERR_JWT_INVALID', `${what}: ${problem}`);
}

/** @internal The current time in seconds with the client's clock skew, and the tolerance. */
export function clock(
  client: Pick<Client, typeof clockSkew | typeof clockTolerance>,
): [now: number, tolerance: number] {
  return [Math.floor(Date.now() / 1000) + (client[clockSkew] ?? 0), client[clockTolerance] ?? 30];
}

/** @internal A claim that must be a number (`exp`, `iat`, `auth_time`) unless optional and absent. */
export function numeric(
  claims: Record<string, unknown>,
  name: string,
  what: string,
  required = true,
): number {
  const value = claims[name];
  if ((value !== undefined || required) && typeof value !== 'number')
    mismatch('ERR_JWT_CLAIM', `${what} ${name}`, 'a number', value);
  return value as number;
}

/** @internal RFC 7519 §4.1.4-6: `exp` in the future, `nbf` and `iat` not in the future (with tolerance). */
export function checkTimes(
  claims: Record<string, unknown>,
  what: string,
  client: Pick<Client, typeof clockSkew | typeof clockTolerance>,
): [now: number, tolerance: number] {
  const [now, tolerance] = clock(client);
  const exp = numeric(claims, 'exp', what);
  const window = () => `now ${now}, tolerance ${tolerance} s`; // only for messages
  if (exp <= now - tolerance) fail('ERR_JWT_EXPIRED', `${what} expired: exp ${exp} is past (${window()})`);
  for (const name of ['nbf', 'iat']) {
    const value = numeric(claims, name, what, name === 'iat');
    if (value > now + tolerance)
      fail('ERR_JWT_TIME', `${what} ${name} ${value} is in the future (${window()})`);
  }
  return [now, tolerance];
}

/** @internal Checks a claim against its expected value. */
export function claim(claims: Record<string, unknown>, name: string, expected: unknown, what: string): void {
  if (claims[name] !== expected) mismatch('ERR_JWT_CLAIM', `${what} ${name}`, show(expected), claims[name]);
}

/** @internal base64url(SHA-`bits` of `value`), its left half when asked (`at_hash`; `ath` takes it whole). */
export async function digest(value: string, bits: number | string = 256, half = false): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest(`SHA-${bits}`, encoder.encode(value)));
  return base64urlEncode(half ? hash.subarray(0, hash.length / 2) : hash);
}

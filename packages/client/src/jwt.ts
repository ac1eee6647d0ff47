import { base64urlEncode } from '@codegrant/protocol';
import { type CompactVerifyResult, compactVerify, type JWK, type JWSHeaderParameters } from 'jose';
import { ClientError, fail, mismatch, show } from './errors.ts';
import { endpoint, type HttpRequestOptions, readJson, send } from './http.ts';
import { clockSkew, clockTolerance } from './symbols.ts';
import { type AuthorizationServer, type Client, isObject } from './types.ts';

/** @internal The candidate verification keys of a JWS, from its header. */
export type KeyResolver = (header: JWSHeaderParameters) => Promise<Array<JWK | CryptoKey | Uint8Array>>;

const keySets = new WeakMap<AuthorizationServer, { uri: string; at: number; keys: Promise<JWK[]> }>();

/**
 * @internal The keys of the issuer's JWKS (`jwks_uri`) that may have signed a JWS with this header:
 * same `kid` (when the header has one), a `kty` of the `alg`, no other `alg`, `use` `sig`. The set is
 * fetched through this library's transport, cached per server metadata object for 10 minutes, and
 * fetched again once when no key matches (an unknown `kid`: the server rotated its keys), at most
 * every 30 s. jose imports the chosen JWK (public keys only) and verifies.
 */
export async function issuerKeys(
  as: AuthorizationServer,
  options: HttpRequestOptions,
  header: JWSHeaderParameters,
): Promise<JWK[]> {
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

/**
 * @internal Verifies a compact JWS with jose, its `alg` one of `algorithms`, and parses its payload
 * as a JSON object. When several keys match (no `kid`), each is tried.
 */
export async function verifyJws(
  jwt: string,
  what: string,
  algorithms: readonly string[],
  resolveKeys: KeyResolver,
): Promise<{ header: JWSHeaderParameters; claims: Record<string, unknown> }> {
  let candidates: Array<JWK | CryptoKey | Uint8Array> = [];
  let result: CompactVerifyResult | undefined;
  try {
    result = await compactVerify(jwt, async (header) => {
      if (!algorithms.includes(header.alg!))
        mismatch('ERR_JWT_ALG', `${what} alg`, `one of ${algorithms}`, header.alg);
      candidates = await resolveKeys(header);
      if (!candidates[0])
        fail(
          'ERR_JWKS',
          `${what}: no key of the issuer matches kid ${show(header.kid)} and alg ${header.alg}`,
        );
      return candidates[0];
    });
  } catch (err) {
    if (err instanceof ClientError) throw err;
    const signature = (err as { code?: string }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
    for (const key of signature ? candidates.slice(1) : []) {
      result = await compactVerify(jwt, key).catch(() => undefined);
      if (result) break;
    }
    if (!result)
      fail(signature ? 'ERR_JWT_SIGNATURE' : 'ERR_JWT_INVALID', `${what}: ${(err as Error).message}`, {
        cause: err,
      });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(result.payload));
  } catch {}
  if (!isObject(claims)) fail('ERR_JWT_INVALID', `${what}: the payload is not a JSON object`);
  return { header: result.protectedHeader, claims };
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
  const window = `now ${now}, tolerance ${tolerance} s`;
  if (exp <= now - tolerance) fail('ERR_JWT_EXPIRED', `${what} expired: exp ${exp} is past (${window})`);
  for (const name of ['nbf', 'iat']) {
    const value = numeric(claims, name, what, name === 'iat');
    if (value > now + tolerance)
      fail('ERR_JWT_TIME', `${what} ${name} ${value} is in the future (${window})`);
  }
  return [now, tolerance];
}

/** @internal Checks a claim against its expected value. */
export function claim(claims: Record<string, unknown>, name: string, expected: unknown, what: string): void {
  if (claims[name] !== expected) mismatch('ERR_JWT_CLAIM', `${what} ${name}`, show(expected), claims[name]);
}

/** @internal base64url(SHA-`bits` of `value`), its left half when asked (`at_hash`; `ath` takes it whole). */
export async function digest(value: string, bits: number | string = 256, half = false): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest(`SHA-${bits}`, new TextEncoder().encode(value)));
  return base64urlEncode(half ? hash.slice(0, hash.length / 2) : hash);
}

import type { JWTAccessTokenClaims } from '@codegrant/protocol';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ClientError, type ClientErrorCode, fail, mismatch, show } from './errors.ts';
import type { HttpRequestOptions } from './http.ts';
import { checkTimes, claim, digest, issuerKeys, readJws } from './jwt.ts';
import type { clockSkew, clockTolerance } from './symbols.ts';
import { type AuthorizationServer, isObject } from './types.ts';

/**
 * Options of {@link validateJwtAccessToken}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface ValidateJWTAccessTokenOptions extends HttpRequestOptions {
  /** Refuse bearer tokens: only DPoP-bound tokens with a proof (RFC 9449). */
  requireDPoP?: boolean | undefined;
  /** The JWS algorithms accepted for the access token (default: every asymmetric one jose knows). */
  signingAlgorithms?: string[] | undefined;
  /** Seconds a DPoP proof's `iat` may lie in the past (default 300). */
  dpopProofMaxAge?: number | undefined;
  /**
   * The URL of this resource's protected resource metadata (RFC 9728 §5.1): added to every challenge
   * as `resource_metadata`, so that a client that got a 401 can find the authorization server.
   */
  resourceMetadata?: string | undefined;
  /**
   * The scope the request needs, named in every challenge (`scope`, RFC 6750 §3) so that a client
   * knows what to ask for (MCP clients take it over the metadata's `scopes_supported`).
   */
  challengeScope?: string | undefined;
  [clockSkew]?: number | undefined;
  [clockTolerance]?: number | undefined;
}

/** @internal The asymmetric JWS algorithms accepted for access tokens and DPoP proofs. */
export const ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];

/** Failures of the server side (JWKS, configuration): answered by the API with a 5xx, not a challenge. */
const NOT_THE_TOKEN = new Set<ClientErrorCode>([
  'ERR_JWKS_UNAVAILABLE',
  'ERR_TIMEOUT',
  'ERR_INSECURE_REQUEST',
  'ERR_MISSING_METADATA',
  'ERR_NOT_JSON',
  'ERR_UNEXPECTED_STATUS',
  'ERR_SERVER_ERROR',
]);

/**
 * For an API ("resource server"): validates the access token of an incoming request — the
 * `Authorization: Bearer <token>` or `Authorization: DPoP <token>` header — as a JWT access token
 * of RFC 9068: `typ` `at+jwt`, signature against the issuer's JWKS (cached, refreshed once on an
 * unknown `kid`), `iss`, `aud` containing `expectedAudience`, `exp`/`nbf`/`iat`, `sub`, `client_id`,
 * `jti`. A token bound to a DPoP key (`cnf.jkt`) must come with the `DPoP` scheme and a valid proof
 * (RFC 9449 §4.3 and §7: `typ`, signature by the embedded public key, `htm`, `htu`, `iat`, `jti`,
 * `ath`, and the key's thumbprint equal to `cnf.jkt`).
 *
 * A failure is a {@link ClientError} carrying what to answer: `status` (401, or 400 for a malformed
 * header), `error` (`invalid_token`, `invalid_request`, `invalid_dpop_proof`, none when no token was
 * sent) and `wwwAuthenticate`, the `WWW-Authenticate` header value (RFC 6750 §3, RFC 9449 §7.1).
 * Failures that are not the token's (the JWKS cannot be fetched, …) are thrown without them:
 * answer those with a 5xx. Replayed DPoP proofs (`jti`) are not tracked: that needs state.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export async function validateJwtAccessToken(
  as: AuthorizationServer,
  request: Request,
  expectedAudience: string,
  options: ValidateJWTAccessTokenOptions = {},
): Promise<JWTAccessTokenClaims> {
  let dpop = !!options.requireDPoP;
  try {
    const authorization = request.headers.get('authorization');
    if (!authorization) fail('ERR_TOKEN_MISSING', 'the request has no Authorization header');
    const [, scheme, token] = /^(Bearer|DPoP) +([\w.~+/-]+=*) *$/i.exec(authorization) ?? [];
    if (!token)
      fail('ERR_AUTHORIZATION_HEADER', 'the Authorization header is not "Bearer <token>" or "DPoP <token>"');
    dpop = scheme!.toLowerCase() === 'dpop';
    if (options.requireDPoP && !dpop) fail('ERR_DPOP_BINDING', 'a DPoP-bound access token is required');
    const what = 'access token';
    const algorithms = options.signingAlgorithms ?? ALGORITHMS;
    const { header, claims } = await readJws(token, what, algorithms, (header) =>
      issuerKeys(as, options, header),
    );
    if (!/^(application\/)?at\+jwt$/i.test(String(header.typ)))
      mismatch('ERR_JWT_CLAIM', `${what} typ`, '"at+jwt"', header.typ);
    claim(claims, 'iss', as.issuer, what);
    if (![claims.aud].flat().includes(expectedAudience))
      mismatch('ERR_JWT_CLAIM', `${what} aud`, show(expectedAudience), claims.aud);
    checkTimes(claims, what, options);
    for (const name of ['sub', 'client_id', 'jti']) {
      if (typeof claims[name] !== 'string')
        mismatch('ERR_JWT_CLAIM', `${what} ${name}`, 'a string', claims[name]);
    }
    const jkt = isObject(claims.cnf) ? claims.cnf.jkt : undefined;
    if (jkt === undefined && dpop)
      fail('ERR_DPOP_BINDING', 'the DPoP scheme was used with an access token that has no cnf.jkt');
    if (jkt !== undefined && !dpop)
      fail('ERR_DPOP_BINDING', 'a DPoP-bound access token (cnf.jkt) was presented as a bearer token');
    if (dpop) await checkProof(request, token, jkt, options);
    return claims as JWTAccessTokenClaims;
  } catch (err) {
    if (!(err instanceof ClientError) || NOT_THE_TOKEN.has(err.code)) throw err;
    throw withChallenge(err, dpop, !options.requireDPoP, options.resourceMetadata, options.challengeScope);
  }
}

/** RFC 9449 §4.3: the checks of a DPoP proof, and its key's thumbprint against `cnf.jkt` (§6.1). */
async function checkProof(
  request: Request,
  token: string,
  jkt: unknown,
  options: ValidateJWTAccessTokenOptions,
) {
  const what = 'DPoP proof';
  const proof = request.headers.get('dpop');
  let key: JWK | undefined;
  try {
    if (!proof || proof.includes(',')) fail('ERR_DPOP_PROOF', 'exactly one DPoP header is required');
    // The proof is signed by the public key in its header (jose's EmbeddedJWK, with our checks).
    const { header, claims } = await readJws(proof, what, ALGORITHMS, (header) => {
      if (!isObject(header.jwk)) fail('ERR_DPOP_PROOF', `${what}: the header has no jwk`);
      key = header.jwk;
      return [key];
    });
    claim(header, 'typ', 'dpop+jwt', what);
    claim(claims, 'htm', request.method, what);
    const url = new URL(request.url);
    let htu: string | undefined;
    try {
      const proofUrl = new URL(claims.htu as string);
      htu = proofUrl.origin + proofUrl.pathname;
    } catch {}
    if (htu !== url.origin + url.pathname)
      mismatch('ERR_DPOP_PROOF', `${what} htu`, show(url.origin + url.pathname), claims.htu);
    const [now, tolerance] = checkTimes({ exp: Number.POSITIVE_INFINITY, ...claims }, what, options);
    if ((claims.iat as number) < now - (options.dpopProofMaxAge ?? 300) - tolerance) {
      fail('ERR_DPOP_PROOF', `${what} iat ${claims.iat} is too old (now ${now})`);
    }
    if (typeof claims.jti !== 'string' || !claims.jti)
      mismatch('ERR_DPOP_PROOF', `${what} jti`, 'a string', claims.jti);
    claim(claims, 'ath', await digest(token), what);
  } catch (err) {
    if (!(err instanceof ClientError) || err.code === 'ERR_DPOP_PROOF') throw err;
    fail('ERR_DPOP_PROOF', err.message, { cause: err });
  }
  const thumbprint = await calculateJwkThumbprint(key!);
  if (thumbprint !== jkt)
    mismatch(
      'ERR_DPOP_BINDING',
      'access token cnf.jkt (the DPoP proof key thumbprint)',
      show(thumbprint),
      jkt,
    );
}

/** Adds what an API answers: status, OAuth error and the `WWW-Authenticate` challenge. */
function withChallenge(
  err: ClientError,
  dpop: boolean,
  bearerAllowed: boolean,
  resourceMetadata: string | undefined,
  scope: string | undefined,
): ClientError {
  const { code } = err;
  const error =
    code === 'ERR_TOKEN_MISSING'
      ? undefined
      : code === 'ERR_AUTHORIZATION_HEADER'
        ? 'invalid_request'
        : code === 'ERR_DPOP_PROOF'
          ? 'invalid_dpop_proof'
          : 'invalid_token';
  const description = err.message.replace(/["\\]/g, "'");
  const params = [
    ...(resourceMetadata ? [`resource_metadata="${resourceMetadata}"`] : []),
    ...(error ? [`error="${error}"`, `error_description="${description}"`] : []),
    ...(scope ? [`scope="${scope}"`] : []),
  ];
  const dpopChallenge = `DPoP ${[...params, `algs="${ALGORITHMS.join(' ')}"`].join(', ')}`;
  const wwwAuthenticate =
    dpop || !bearerAllowed
      ? dpopChallenge
      : params.length > 0
        ? `Bearer ${params.join(', ')}${error ? '' : `, ${dpopChallenge}`}`
        : `Bearer, ${dpopChallenge}`;
  return Object.assign(err, {
    status: error === 'invalid_request' ? 400 : 401,
    error,
    error_description: error && err.message,
    wwwAuthenticate,
  });
}

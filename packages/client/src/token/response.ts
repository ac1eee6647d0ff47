import type { IDTokenClaims, TokenEndpointResponse } from '@codegrant/protocol';
import { fail, mismatch } from '../errors.ts';
import { type HttpRequestOptions, readJson } from '../http.ts';
import { type IDTokenChecks, validateIdToken } from '../id-token.ts';
import type { AuthorizationServer, Client } from '../types.ts';

export type { TokenEndpointResponse };

/**
 * Options of the `process…Response` functions of the token endpoint; the HTTP ones fetch the JWKS.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface ProcessTokenResponseOptions extends HttpRequestOptions, Omit<IDTokenChecks, 'accessToken'> {
  /** An ID token must be in the response (OpenID Connect); implied by `expectedNonce` or `maxAge`. */
  requireIdToken?: boolean | undefined;
}

const validated = new WeakMap<TokenEndpointResponse, IDTokenClaims>();

/**
 * The claims of the ID token a `process…Response` function validated, if the response had one.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export function getValidatedIdTokenClaims(response: TokenEndpointResponse): IDTokenClaims | undefined {
  return validated.get(response);
}

/**
 * @internal Every successful token response: HTTP 200 only, a JSON object, `access_token` and
 * `token_type` (`bearer` or `dpop`, case-insensitive, returned lowercase) present, `expires_in` a
 * non-negative number (numeric strings tolerated, returned as numbers), `refresh_token`, `scope`
 * and `id_token` strings when present, and the ID token validated.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export async function processTokenResponse(
  as: AuthorizationServer,
  client: Client,
  response: Response,
  options: ProcessTokenResponseOptions = {},
): Promise<TokenEndpointResponse> {
  const what = 'token response';
  const body = await readJson(response, 'token endpoint');
  const { access_token, token_type, expires_in, id_token } = body;
  if (typeof access_token !== 'string' || !access_token)
    mismatch('ERR_INVALID_RESPONSE', `${what} access_token`, 'a string', access_token);
  const type = String(token_type).toLowerCase();
  if (type !== 'bearer' && type !== 'dpop')
    mismatch('ERR_INVALID_RESPONSE', `${what} token_type`, 'bearer or dpop', token_type);
  body.token_type = type;
  if (expires_in !== undefined) {
    const seconds = typeof expires_in === 'string' && expires_in.trim() ? Number(expires_in) : expires_in;
    if (!Number.isFinite(seconds) || (seconds as number) < 0) {
      mismatch('ERR_INVALID_RESPONSE', `${what} expires_in`, 'a non-negative number', expires_in);
    }
    body.expires_in = seconds;
  }
  for (const name of ['refresh_token', 'scope', 'id_token']) {
    if (body[name] !== undefined && typeof body[name] !== 'string') {
      mismatch('ERR_INVALID_RESPONSE', `${what} ${name}`, 'a string', body[name]);
    }
  }
  const result = body as TokenEndpointResponse;
  if (id_token) {
    // The checks listed, not spread from `options`: spreading its symbol keys is slow.
    const { expectedNonce, maxAge, expectedSubject, skipIdTokenSignatureCheck } = options;
    const checks = {
      expectedNonce,
      maxAge,
      expectedSubject,
      skipIdTokenSignatureCheck,
      accessToken: access_token,
    };
    validated.set(result, await validateIdToken(as, client, id_token as string, checks, options));
  } else if (options.requireIdToken || options.expectedNonce || options.maxAge !== undefined) {
    fail('ERR_ID_TOKEN_MISSING', `${what}: id_token is missing`);
  }
  return result;
}

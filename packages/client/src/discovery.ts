import { mismatch, show } from './errors.ts';
import { type HttpRequestOptions, readJson, send } from './http.ts';
import type { AuthorizationServer } from './types.ts';

/**
 * Options of {@link discoveryRequest}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export interface DiscoveryRequestOptions extends HttpRequestOptions {
  /**
   * `oidc` (default): `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery §4);
   * `oauth2`: `/.well-known/oauth-authorization-server<issuer path>` (RFC 8414 §3.1).
   */
  algorithm?: 'oidc' | 'oauth2' | undefined;
}

const WELL_KNOWN = /\/\.well-known\/(?:openid-configuration|oauth-authorization-server)/;

/**
 * Fetches the metadata of the server whose issuer identifier is `issuerIdentifier`. A URL that
 * already points into `/.well-known/` is fetched as it is.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export async function discoveryRequest(
  issuerIdentifier: URL,
  options: DiscoveryRequestOptions = {},
): Promise<Response> {
  if (!(issuerIdentifier instanceof URL)) throw new TypeError('"issuerIdentifier" must be a URL');
  const path = issuerIdentifier.pathname;
  const url = WELL_KNOWN.test(path)
    ? issuerIdentifier
    : options.algorithm === 'oauth2'
      ? new URL(`/.well-known/oauth-authorization-server${path === '/' ? '' : path}`, issuerIdentifier)
      : new URL(`${path.replace(/\/$/, '')}/.well-known/openid-configuration`, issuerIdentifier);
  return send(url, 'GET', new Headers({ accept: 'application/json' }), undefined, options);
}

/**
 * Reads the metadata of a {@link discoveryRequest}: HTTP 200, a JSON object whose `issuer` is the
 * expected one (a `/.well-known/` URL expects the issuer it was derived from).
 *
 * @throws {ClientError} `ERR_ISSUER_MISMATCH`, `ERR_UNEXPECTED_STATUS`, `ERR_NOT_JSON`
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export async function processDiscoveryResponse(
  expectedIssuerIdentifier: URL,
  response: Response,
): Promise<AuthorizationServer> {
  const metadata = await readJson(response, 'discovery');
  const expected = new URL(expectedIssuerIdentifier.href.replace(WELL_KNOWN, '')).href;
  const { issuer } = metadata;
  let href: string | undefined;
  try {
    href = new URL(issuer as string).href;
  } catch {}
  if (typeof issuer !== 'string' || href !== expected)
    mismatch('ERR_ISSUER_MISMATCH', 'discovered issuer', show(expected), issuer);
  return metadata as AuthorizationServer;
}

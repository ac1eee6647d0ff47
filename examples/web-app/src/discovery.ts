import type { AuthorizationServerMetadata } from '@codegrant/protocol';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { describeFetchError } from './http-exchange.ts';

/** What the app learned from the identity provider's discovery document. */
export interface Provider {
  issuer: string;
  discoveryUrl: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string;
  jwksUri: string;
  /** RFC 9207: the server promises `iss` on every authorization response. */
  issParameterSupported: boolean;
  /** The server's signing keys, fetched from `jwksUri` when needed (and again for an unknown `kid`). */
  jwks: JWTVerifyGetKey;
  /** The whole discovery document, checked: what the API's `validateJwtAccessToken` takes (and caches the JWKS with). */
  metadata: AuthorizationServerMetadata;
}

type EndpointName = 'authorization_endpoint' | 'token_endpoint' | 'userinfo_endpoint' | 'jwks_uri';

/**
 * Fetches `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4) and checks
 * that it names the issuer it was fetched for.
 *
 * @throws {Error} when the document is unreachable, not JSON, for another issuer, or lacks an endpoint
 */
export async function discover(issuer: string): Promise<Provider> {
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(discoveryUrl, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`could not reach ${discoveryUrl}: ${describeFetchError(error)}`);
  }
  if (!response.ok) throw new Error(`${discoveryUrl} answered ${response.status}`);
  const metadata = (await response.json()) as AuthorizationServerMetadata;
  // Discovery §4.3: a document naming another issuer could make us trust that server's keys and endpoints.
  if (metadata.issuer !== issuer) {
    throw new Error(
      `${discoveryUrl} names the issuer ${JSON.stringify(metadata.issuer)}, expected ${issuer}`,
    );
  }
  const endpoint = (name: EndpointName): string => {
    const value = metadata[name];
    if (typeof value !== 'string') throw new Error(`${discoveryUrl} has no ${name}`);
    return value;
  };
  const jwksUri = endpoint('jwks_uri');
  return {
    issuer,
    discoveryUrl,
    authorizationEndpoint: endpoint('authorization_endpoint'),
    tokenEndpoint: endpoint('token_endpoint'),
    userinfoEndpoint: endpoint('userinfo_endpoint'),
    jwksUri,
    issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
    jwks: createRemoteJWKSet(new URL(jwksUri)),
    metadata,
  };
}

/**
 * What an API (an MCP server, say) publishes so that clients find its authorization server:
 * OAuth 2.0 Protected Resource Metadata.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */

import { ALGORITHMS } from './resource-server.ts';

/**
 * The protected resource metadata document (RFC 9728 §2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResourceMetadata {
  /** The resource identifier: the URL clients send as `resource` and tokens carry as `aud`. */
  resource: string;
  /** Issuer identifiers of the authorization servers that issue tokens for it. */
  authorization_servers: string[];
  scopes_supported?: string[];
  /** How the access token may be sent: only in the `Authorization` header here (RFC 6750 §2.1). */
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: boolean;
}

/** What {@link protectedResourceMetadata} builds the document from. */
export interface ProtectedResourceOptions {
  /** The resource identifier: an https URL (http only on loopback, for development), no fragment. */
  resource: string;
  /** The issuers whose access tokens it accepts. */
  authorizationServers: string[];
  scopesSupported?: string[] | undefined;
  resourceName?: string | undefined;
  resourceDocumentation?: string | undefined;
  /** DPoP-bound access tokens: accepted (`true`, the algorithms are advertised) or `'required'`. */
  dpop?: boolean | 'required' | undefined;
}

/**
 * The metadata document of a protected resource.
 *
 * @throws {TypeError} for a resource that is not an absolute URL without fragment (RFC 9728 §1.2)
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function protectedResourceMetadata(options: ProtectedResourceOptions): ProtectedResourceMetadata {
  checkResource(options.resource);
  if (!options.authorizationServers.length) throw new TypeError('"authorizationServers" must name an issuer');
  return {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    ...(options.scopesSupported ? { scopes_supported: [...options.scopesSupported] } : {}),
    bearer_methods_supported: ['header'],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation ? { resource_documentation: options.resourceDocumentation } : {}),
    ...(options.dpop ? { dpop_signing_alg_values_supported: [...ALGORITHMS] } : {}),
    ...(options.dpop === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
  };
}

/**
 * Where a resource's metadata lives: `/.well-known/oauth-protected-resource` inserted between the
 * host and the resource's path (`https://mcp.example.com/mcp` →
 * `https://mcp.example.com/.well-known/oauth-protected-resource/mcp`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrl(resource: string): URL {
  const url = checkResource(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return new URL(`/.well-known/oauth-protected-resource${path}${url.search}`, url.origin);
}

/**
 * The metadata as an HTTP answer: JSON, cacheable for an hour, readable cross-origin (browser-based
 * MCP clients fetch it).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function protectedResourceMetadataResponse(options: ProtectedResourceOptions): Response {
  return Response.json(protectedResourceMetadata(options), {
    headers: { 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' },
  });
}

function checkResource(resource: string): URL {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new TypeError(`"resource" must be an absolute URL, got ${JSON.stringify(resource)}`);
  }
  if (url.hash) throw new TypeError('"resource" must not have a fragment (RFC 9728 §1.2)');
  return url;
}

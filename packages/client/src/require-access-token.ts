import { type JWTAccessTokenClaims, splitSpaceDelimited } from '@codegrant/protocol';
import { ClientError } from './errors.ts';
import { protectedResourceMetadataUrl } from './resource-metadata.ts';
import { type ValidateJWTAccessTokenOptions, validateJwtAccessToken } from './resource-server.ts';
import type { AuthorizationServer } from './types.ts';

/** Options of {@link requireAccessToken}. */
export interface RequireAccessTokenOptions extends ValidateJWTAccessTokenOptions {
  /** The scopes this call needs, every one of them (default none). */
  scopes?: string[] | undefined;
}

/**
 * For an API or MCP server: the access token of `request` must be valid for `resource` (see
 * {@link validateJwtAccessToken}) and carry every scope in `options.scopes`. Every challenge names the
 * resource's metadata (`resource_metadata`, RFC 9728 §5.1; default: its well-known URL), so that a
 * client can discover the authorization server from a 401, and the scopes the call needs (`scope`).
 *
 * A failure is a {@link ClientError} carrying what to answer ({@link accessTokenErrorResponse} turns
 * it into the `Response`): 401 with the token's problem; 403 `insufficient_scope` with `scope` = the
 * scopes to ask for (those granted and those missing, so that re-authorizing loses nothing) when the
 * token lacks a scope (code `ERR_INSUFFICIENT_SCOPE`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export async function requireAccessToken(
  as: AuthorizationServer,
  request: Request,
  resource: string,
  options: RequireAccessTokenOptions = {},
): Promise<JWTAccessTokenClaims> {
  const resourceMetadata = options.resourceMetadata ?? protectedResourceMetadataUrl(resource).href;
  const required = options.scopes ?? [];
  const claims = await validateJwtAccessToken(as, request, resource, {
    ...options,
    resourceMetadata,
    challengeScope: required.length > 0 ? required.join(' ') : undefined,
  });
  const granted = splitSpaceDelimited(typeof claims.scope === 'string' ? claims.scope : undefined);
  const missing = required.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) return claims;
  const scope = [...new Set([...granted, ...missing])].join(' ');
  const description = `the access token lacks the scope ${missing.join(' ')}`;
  const scheme = (claims.cnf as { jkt?: string } | undefined)?.jkt ? 'DPoP' : 'Bearer';
  throw new ClientError('ERR_INSUFFICIENT_SCOPE', description, {
    status: 403,
    error: 'insufficient_scope',
    error_description: description,
    wwwAuthenticate: `${scheme} resource_metadata="${resourceMetadata}", error="insufficient_scope", error_description="${description}", scope="${scope}"`,
  });
}

/**
 * The answer to a failed {@link requireAccessToken} or {@link validateJwtAccessToken}: its status,
 * `WWW-Authenticate` challenge and, when there is an OAuth error, a JSON body with it. Errors that
 * are not the request's (the JWKS could not be fetched, a bug) are thrown again: answer those 5xx.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function accessTokenErrorResponse(err: unknown): Response {
  if (!(err instanceof ClientError) || err.status === undefined || !err.wwwAuthenticate) throw err;
  const headers = { 'www-authenticate': err.wwwAuthenticate, 'cache-control': 'no-store' };
  if (!err.error) return new Response(null, { status: err.status, headers });
  return Response.json(
    { error: err.error, error_description: err.error_description },
    { status: err.status, headers },
  );
}

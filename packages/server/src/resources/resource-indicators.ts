import { splitSpaceDelimited } from '@codegrant/protocol';
import { OAuthError } from '../errors.ts';
import type { ResourcePolicy } from '../options.ts';

/**
 * The resources a request names with `resource` (RFC 8707 §2; repeated parameters arrive
 * space-joined), each one configured.
 *
 * @throws {OAuthError} `invalid_target` for a resource this server does not issue tokens for
 */
export function requestedResources(policy: Map<string, ResourcePolicy>, value: string | undefined): string[] {
  const resources = splitSpaceDelimited(value);
  const unknown = resources.find((resource) => !policy.has(resource));
  if (unknown !== undefined) {
    throw new OAuthError(
      'invalid_target',
      `resource ${unknown} is not a resource this server issues tokens for`,
    );
  }
  return resources;
}

/**
 * The resources a grant is for: those the authorization (or client credentials) request names, or
 * else the configured default resource, so that tokens stay audience-bound when a client omits
 * `resource` (as MCP clients written before RFC 8707 support do).
 *
 * @throws {OAuthError} `invalid_target` for a resource this server does not issue tokens for
 */
export function grantResources(
  context: { resources: Map<string, ResourcePolicy>; defaultResource: string | undefined },
  value: string | undefined,
): string[] {
  const resources = requestedResources(context.resources, value);
  if (resources.length === 0 && context.defaultResource !== undefined) return [context.defaultResource];
  return resources;
}

/**
 * The resources of one access token: those the token request names, which must be among the
 * grant's (RFC 8707 §2.2), or else all of the grant's.
 *
 * @throws {OAuthError} `invalid_target` for a resource outside the grant
 */
export function tokenResources(granted: string[], requested: string[]): string[] {
  const outside = requested.find((resource) => !granted.includes(resource));
  if (outside !== undefined) throw new OAuthError('invalid_target', `resource ${outside} was not granted`);
  return requested.length > 0 ? requested : granted;
}

/** The scopes an access token for `resources` may carry: those every resource accepts. */
export function scopesForResources(
  policy: Map<string, ResourcePolicy>,
  resources: string[],
  scopes: string[],
): string[] {
  return scopes.filter((scope) =>
    resources.every((resource) => {
      const accepted = policy.get(resource)?.scopes;
      return accepted === undefined || accepted.includes(scope);
    }),
  );
}

/**
 * The audience and scopes of an access token: for the resources the token request names (or all
 * the grant's), with the scopes they accept; without resources, the default audience and all scopes.
 *
 * @throws {OAuthError} `invalid_target`
 */
export function accessTokenTarget(
  context: { resources: Map<string, ResourcePolicy>; accessTokenAudience: string },
  grantResources: string[],
  requested: string | undefined,
  scopes: string[],
): { audience: string | string[]; scopes: string[] } {
  const resources = tokenResources(grantResources, requestedResources(context.resources, requested));
  if (resources.length === 0) return { audience: context.accessTokenAudience, scopes };
  return {
    audience: resources.length === 1 ? resources[0]! : resources,
    scopes: scopesForResources(context.resources, resources, scopes),
  };
}

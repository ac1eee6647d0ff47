import type { ServerContext } from '../context.ts';
import { sha256 } from '../tokens/hash.ts';
import { AuthorizationError } from './authorization-error.ts';

/** How our `request_uri` values begin (RFC 9126 §2.2): the random rest is the reference. */
export const PUSHED_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/**
 * The parameters an authorization request with `request_uri` stands for: those pushed to `/par`
 * by the same client, used once, unexpired (RFC 9126 §4). Only they count: parameters sent beside
 * the `request_uri` are ignored, so nothing can be added to what the client authenticated.
 *
 * @throws {AuthorizationError} `invalid_request_uri` (on a page: nothing verified the redirect URI yet)
 */
export async function pushedParameters(
  context: Pick<ServerContext, 'store'>,
  parameters: Record<string, string>,
  now: number,
): Promise<Record<string, string>> {
  const { request_uri: requestUri = '', client_id: clientId } = parameters;
  if (!clientId) throw new AuthorizationError('invalid_request', 'client_id is required with request_uri');
  if (!requestUri.startsWith(PUSHED_REQUEST_URI_PREFIX)) {
    throw new AuthorizationError('invalid_request_uri', 'request_uri must be one this server issued at /par');
  }
  const pushed = await context.store.consumePushedRequest(
    sha256(requestUri.slice(PUSHED_REQUEST_URI_PREFIX.length)),
    clientId,
    now,
  );
  if (!pushed) {
    throw new AuthorizationError(
      'invalid_request_uri',
      'the request_uri is unknown, expired, already used, or was pushed by another client',
    );
  }
  return pushed;
}

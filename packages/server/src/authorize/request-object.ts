import { errors, jwtVerify } from 'jose';
import { ASSERTION_ALGS } from '../client-auth/client-assertion.ts';
import type { ServerContext } from '../context.ts';
import { AuthorizationError } from './authorization-error.ts';

/** The algorithms of request objects: asymmetric only (never `none`, never a shared secret). */
export const REQUEST_OBJECT_ALGS = ASSERTION_ALGS;

/** The longest a request object may live, from `iat` (or now) to `exp`. */
const MAX_LIFETIME_SECONDS = 3600;

/** The claims of a request object that are about the JWT, not parameters of the request. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

/**
 * The parameters of an authorization request sent as a signed request object (JAR, RFC 9101):
 * `request` verified with `jose` against the keys the client registered (`jwks` or `jwks_uri`),
 * asymmetric algorithms only; `iss` and the `client_id` claim must be the `client_id` sent beside
 * it, `aud` must be our issuer, `exp` is required (an hour at most). Only the request object's
 * parameters count (§5): whatever else the URL carries is ignored. Failures go on a page: the
 * redirect URI is inside what failed to verify.
 *
 * @throws {AuthorizationError} `invalid_request_object`, or `invalid_request` without `client_id`
 */
export async function requestObjectParameters(
  context: Pick<ServerContext, 'findClient' | 'clientKeys' | 'issuer' | 'now'>,
  parameters: Record<string, string>,
): Promise<Record<string, string>> {
  const { request = '', client_id: clientId } = parameters;
  const invalid = (description: string) =>
    new AuthorizationError('invalid_request_object', `request object: ${description}`);
  if (!clientId)
    throw new AuthorizationError('invalid_request', 'client_id is required with a request object');
  const client = await context.findClient(clientId);
  if (!client)
    throw new AuthorizationError('invalid_request', `unknown client_id ${JSON.stringify(clientId)}`);
  const keys = context.clientKeys.resolverFor(client);
  if (!keys) throw invalid(`client ${clientId} registered no keys (jwks or jwks_uri) to sign it with`);

  let payload: Record<string, unknown>;
  let typ: string | undefined;
  try {
    const verified = await jwtVerify(request, keys, {
      algorithms: [...REQUEST_OBJECT_ALGS],
      issuer: clientId,
      audience: context.issuer,
      currentDate: new Date(context.now() * 1000),
      requiredClaims: ['exp'],
    });
    payload = verified.payload;
    typ = verified.protectedHeader.typ;
  } catch (error) {
    const reason = error instanceof errors.JOSEError ? error.message : 'it is not a signed JWT';
    throw invalid(reason);
  }
  // RFC 9101 §4: the media type, when given, must be this one (not an ID token or an assertion).
  if (typ !== undefined && typ.toLowerCase().replace(/^application\//, '') !== 'oauth-authz-req+jwt') {
    throw invalid(`typ must be oauth-authz-req+jwt, got ${typ}`);
  }
  if (payload.client_id !== undefined && payload.client_id !== clientId) {
    throw invalid('its client_id differs from the client_id of the request');
  }
  if (
    (payload.exp as number) - ((payload.iat as number | undefined) ?? context.now()) >
    MAX_LIFETIME_SECONDS
  ) {
    throw invalid(`it must expire within ${MAX_LIFETIME_SECONDS} seconds`);
  }
  const fromObject: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name) || value === null || value === undefined) continue;
    // Parameters are strings; a number (max_age) as it is written, an object (claims) as JSON.
    fromObject[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (fromObject.request !== undefined || fromObject.request_uri !== undefined) {
    throw invalid('it cannot contain request or request_uri');
  }
  fromObject.client_id = clientId;
  return fromObject;
}

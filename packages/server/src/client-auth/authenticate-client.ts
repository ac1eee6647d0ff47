import { decodeJwt } from 'jose';
import type { ServerContext } from '../context.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store/store.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';
import { JWT_BEARER_ASSERTION, verifyClientAssertion } from './client-assertion.ts';

/** How the client proved itself in this request. */
export type UsedAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

type Context = Pick<ServerContext, 'findClient' | 'store' | 'issuer' | 'clientKeys' | 'now'>;

/**
 * Authenticates the client of a token request (RFC 6749 §2.3): HTTP Basic (`client_secret_basic`),
 * `client_id` + `client_secret` in the body (`client_secret_post`), a signed JWT assertion
 * (`private_key_jwt`, RFC 7523), or `client_id` alone for a public client (`none`, which PKCE
 * then protects). Using two methods at once is refused (RFC 6749 §2.3). A client with a secret
 * may use either secret method; a `private_key_jwt` client only its assertion.
 *
 * @param endpointUrl the endpoint's URL: an assertion's `aud` may name it or the issuer
 * @throws {OAuthError} `invalid_client` (401; with a `Basic` challenge when Basic was tried) or
 *   `invalid_request`
 */
export async function authenticateClient(
  context: Context,
  request: Request,
  params: Record<string, string>,
  endpointUrl: string,
): Promise<{ client: ClientRecord; method: UsedAuthMethod }> {
  const { findClient } = context;
  const basic = parseBasicCredentials(request.headers.get('authorization'));
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) {
    if (basic || params.client_secret !== undefined) {
      throw invalidRequest('the client used more than one authentication method (an assertion and a secret)');
    }
    return {
      client: await authenticateWithAssertion(context, params, endpointUrl),
      method: 'private_key_jwt',
    };
  }
  if (basic) {
    if (params.client_secret !== undefined) {
      throw invalidRequest('the client used more than one authentication method (Basic and client_secret)');
    }
    if (params.client_id !== undefined && params.client_id !== basic.clientId) {
      throw invalidRequest('client_id in the body differs from the one in the Authorization header');
    }
    const client = await findClientOrFail(findClient, basic.clientId, true);
    verifySecret(client, basic.clientSecret, true);
    return { client, method: 'client_secret_basic' };
  }
  const clientId = params.client_id;
  if (clientId === undefined) {
    throw new OAuthError(
      'invalid_client',
      'client authentication is required: no client_id and no Authorization header',
      {
        status: 401,
        wwwAuthenticate: 'Basic realm="token"',
      },
    );
  }
  const client = await findClientOrFail(findClient, clientId, false);
  if (params.client_secret !== undefined) {
    verifySecret(client, params.client_secret, false);
    return { client, method: 'client_secret_post' };
  }
  if (client.tokenEndpointAuthMethod !== 'none') {
    throw new OAuthError(
      'invalid_client',
      `client ${clientId} is confidential and must authenticate (${client.tokenEndpointAuthMethod})`,
      {
        status: 401,
        wwwAuthenticate: 'Basic realm="token"',
      },
    );
  }
  return { client, method: 'none' };
}

/**
 * Parses `Authorization: Basic …`, whose id and secret are form-urlencoded before base64
 * (RFC 6749 §2.3.1).
 *
 * @returns `undefined` when the header is absent or uses another scheme
 * @throws {OAuthError} `invalid_client` when the Basic credentials are malformed
 */
function parseBasicCredentials(
  header: string | null,
): { clientId: string; clientSecret: string } | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  try {
    if (colon < 1) throw new Error('no client id');
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new OAuthError('invalid_client', 'malformed Basic credentials in the Authorization header', {
      status: 401,
      wwwAuthenticate: 'Basic realm="token", error="invalid_client"',
    });
  }
}

/** `private_key_jwt`: the assertion names the client (`sub`), whose registered keys must have signed it. */
async function authenticateWithAssertion(
  context: Context,
  params: Record<string, string>,
  endpointUrl: string,
): Promise<ClientRecord> {
  const fail = (description: string) => new OAuthError('invalid_client', description, { status: 401 });
  const assertion = params.client_assertion;
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION || !assertion) {
    throw fail(`client_assertion_type must be ${JWT_BEARER_ASSERTION}, with a client_assertion`);
  }
  let clientId = params.client_id;
  if (clientId === undefined) {
    // Only to find whose keys to verify with; the verification then checks `sub` and `iss`.
    try {
      clientId = String(decodeJwt(assertion).sub ?? '');
    } catch {
      throw fail('client_assertion is not a JWT');
    }
  }
  const client = await findClientOrFail(context.findClient, clientId, false);
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt') {
    throw fail(`client ${clientId} is registered for ${client.tokenEndpointAuthMethod}, not private_key_jwt`);
  }
  const keys = context.clientKeys.resolverFor(client);
  if (!keys) throw fail(`client ${clientId} has no registered keys (jwks or jwks_uri)`);
  await verifyClientAssertion(assertion, {
    clientId,
    keys,
    audiences: [context.issuer, endpointUrl],
    now: context.now(),
    rememberJti: (key, expiresAt) => context.store.rememberOnce(key, expiresAt, context.now()),
  });
  return client;
}

async function findClientOrFail(
  findClient: (clientId: string) => Promise<ClientRecord | null>,
  clientId: string,
  usedBasic: boolean,
): Promise<ClientRecord> {
  const client = await findClient(clientId);
  if (!client) {
    throw new OAuthError('invalid_client', `unknown client ${JSON.stringify(clientId)}`, {
      status: 401,
      ...(usedBasic ? { wwwAuthenticate: 'Basic realm="token", error="invalid_client"' } : {}),
    });
  }
  return client;
}

function verifySecret(client: ClientRecord, secret: string, usedBasic: boolean): void {
  const failure = (description: string) =>
    new OAuthError('invalid_client', description, {
      status: 401,
      ...(usedBasic ? { wwwAuthenticate: 'Basic realm="token", error="invalid_client"' } : {}),
    });
  if (client.clientSecretHash === null) {
    throw failure(
      client.tokenEndpointAuthMethod === 'none'
        ? `client ${client.clientId} is public and has no secret; authenticate with client_id only`
        : `client ${client.clientId} has no secret; it authenticates with ${client.tokenEndpointAuthMethod}`,
    );
  }
  if (!constantTimeEqual(sha256(secret), client.clientSecretHash)) {
    throw failure(`wrong client secret for client ${client.clientId}`);
  }
}

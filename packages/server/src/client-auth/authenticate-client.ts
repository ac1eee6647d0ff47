import { invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store/store.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';

/** How the client proved itself in this request. */
export type UsedAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * Authenticates the client of a token request (RFC 6749 §2.3): HTTP Basic (`client_secret_basic`),
 * `client_id` + `client_secret` in the body (`client_secret_post`), or `client_id` alone for a
 * public client (`none`, which PKCE then protects). Using two methods at once is refused
 * (RFC 6749 §2.3). A confidential client may use either secret method, whichever it registered.
 *
 * @throws {OAuthError} `invalid_client` (401; with a `Basic` challenge when Basic was tried) or
 *   `invalid_request`
 */
export async function authenticateClient(
  findClient: (clientId: string) => Promise<ClientRecord | null>,
  request: Request,
  params: Record<string, string>,
): Promise<{ client: ClientRecord; method: UsedAuthMethod }> {
  const basic = parseBasicCredentials(request.headers.get('authorization'));
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
  if (client.clientSecretHash !== null) {
    throw new OAuthError(
      'invalid_client',
      `client ${clientId} is confidential and must authenticate with its secret`,
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
    throw failure(`client ${client.clientId} is public and has no secret; authenticate with client_id only`);
  }
  if (!constantTimeEqual(sha256(secret), client.clientSecretHash)) {
    throw failure(`wrong client secret for client ${client.clientId}`);
  }
}

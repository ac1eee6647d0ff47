import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { readJsonBody } from '../http/body.ts';
import { jsonNoStore, notFound } from '../http/responses.ts';
import { validateClientMetadata } from '../registration/client-metadata.ts';
import { clientFromMetadata, registeredMetadata } from '../registration/registered-client.ts';
import { withSectorIdentifier } from '../registration/sector-identifier.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

type Context = Pick<
  ServerContext,
  | 'store'
  | 'issuer'
  | 'registration'
  | 'settings'
  | 'audit'
  | 'pairwiseSubjects'
  | 'now'
  | 'backchannelLogout'
>;

/** Back-channel logout turned off (`backchannelLogout: false`): a URI would promise logout tokens never sent. */
function refuseBackchannelLogoutIfOff(
  context: Pick<ServerContext, 'backchannelLogout'>,
  metadata: { backchannelLogoutUri: string | null },
): void {
  if (!context.backchannelLogout && metadata.backchannelLogoutUri !== null) {
    throw new OAuthError('invalid_client_metadata', 'back-channel logout is off on this server');
  }
}

/** A Bearer token from the `Authorization` header, or `undefined`. */
function bearer(request: Request): string | undefined {
  return /^Bearer +(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
}

function invalidToken(description: string): OAuthError {
  return new OAuthError('invalid_token', description, {
    status: 401,
    wwwAuthenticate: 'Bearer error="invalid_token"',
  });
}

/**
 * The registration endpoint (RFC 7591): `POST /register` with the client's metadata as JSON.
 * Open, or guarded by an initial access token (`registration` option). The answer carries the
 * client id, a secret for the secret-based methods (≥ 256 bits, stored hashed), and a
 * registration access token for the client configuration endpoint (RFC 7592).
 */
export function registrationEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  const register = registerClient(context);
  return async (request, clientAddress) => {
    // Off (a setting that may change as the server runs): as if there were no endpoint.
    if (!registrationOpen(context)) return notFound(request);
    try {
      const { response, clientId } = await register(request);
      context.audit.record({ type: 'registration', outcome: 'success', clientId, ip: clientAddress ?? null });
      return response;
    } catch (error) {
      if (error instanceof OAuthError) {
        context.audit.record({
          type: 'registration',
          outcome: 'failure',
          ip: clientAddress ?? null,
          reason: error.error,
        });
      }
      throw error;
    }
  };
}

/** The token of registration mode `token`, when the server was given one (it cannot be set while it runs). */
function initialAccessTokenOf(context: Pick<ServerContext, 'registration'>): string | undefined {
  return typeof context.registration === 'object' ? context.registration.initialAccessToken : undefined;
}

/** Whether clients may register now: open, or with a token the server has. */
function registrationOpen(context: Pick<ServerContext, 'registration' | 'settings'>): boolean {
  const mode = context.settings.current.registration;
  return mode === 'open' || (mode === 'token' && initialAccessTokenOf(context) !== undefined);
}

/** Checks the policy and the metadata, then stores the new client. */
function registerClient(
  context: Context,
): (request: Request) => Promise<{ response: Response; clientId: string }> {
  return async (request) => {
    const initialAccessToken = initialAccessTokenOf(context);
    if (context.settings.current.registration === 'token' && initialAccessToken) {
      const token = bearer(request);
      if (!token || !constantTimeEqual(token, initialAccessToken)) {
        throw invalidToken('registration requires the initial access token (RFC 7591 §3)');
      }
    }
    const metadata = validateClientMetadata(await readJsonBody(request));
    refuseBackchannelLogoutIfOff(context, metadata);
    const secret = metadata.tokenEndpointAuthMethod.startsWith('client_secret_')
      ? randomValue(32)
      : undefined;
    const registrationAccessToken = randomValue(32);
    const client = await withSectorIdentifier(
      context,
      clientFromMetadata(metadata, {
        clientId: randomValue(16),
        clientSecretHash: secret ? sha256(secret) : null,
        registrationAccessTokenHash: sha256(registrationAccessToken),
        createdAt: context.now(),
      }),
      null,
    );
    await context.store.insertClient(client);
    const response = jsonNoStore(
      {
        ...registeredMetadata(context.issuer, client),
        ...(secret ? { client_secret: secret } : {}),
        registration_access_token: registrationAccessToken,
      },
      201,
    );
    return { response, clientId: client.clientId };
  };
}

/**
 * The client configuration endpoint (RFC 7592): `GET`, `PUT` and `DELETE /register/:client_id`
 * with the registration access token. Any failure of the token or the client id answers the same
 * 401, so the endpoint reveals nothing about which clients exist (RFC 7592 §2).
 */
export function clientConfigurationEndpoint(
  context: Context,
): (request: Request, clientId: string) => Promise<Response> {
  return async (request, clientId) => {
    const token = bearer(request);
    const client = token ? await context.store.findClient(clientId) : null;
    if (
      !token ||
      !client?.registrationAccessTokenHash ||
      !constantTimeEqual(sha256(token), client.registrationAccessTokenHash)
    ) {
      throw invalidToken('the registration access token is not valid for this client');
    }
    switch (request.method) {
      case 'GET':
        return jsonNoStore(registeredMetadata(context.issuer, client));
      case 'DELETE':
        await context.store.deleteClient(clientId);
        return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
      default: {
        const body = await readJsonBody(request);
        if ((body as { client_id?: unknown } | null)?.client_id !== clientId) {
          throw new OAuthError(
            'invalid_request',
            'the request must carry the client_id it updates (RFC 7592 §2.2)',
          );
        }
        const validated = validateClientMetadata(body);
        refuseBackchannelLogoutIfOff(context, validated);
        const updated = await withSectorIdentifier(context, clientFromMetadata(validated, client), client);
        // A method change to or from secrets would need a new secret or none: refuse rather than guess.
        if (
          updated.tokenEndpointAuthMethod.startsWith('client_secret_') !==
          (client.clientSecretHash !== null)
        ) {
          throw new OAuthError(
            'invalid_client_metadata',
            'token_endpoint_auth_method cannot change between secret and non-secret methods; register a new client',
          );
        }
        await context.store.updateClient(updated);
        return jsonNoStore(registeredMetadata(context.issuer, updated));
      }
    }
  };
}

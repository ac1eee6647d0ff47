import { splitSpaceDelimited } from '@codegrant/protocol';
import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { formatUserCode, newUserCode, userCodeHash } from '../device/user-code.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { DEVICE_CODE } from '../grants/device-code.ts';
import { readFormParameters } from '../http/body.ts';
import { CORS_HEADERS } from '../http/cors.ts';
import { jsonNoStore } from '../http/responses.ts';
import type { DeviceAuthorizationOptions } from '../options.ts';
import { grantResources } from '../resources/resource-indicators.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

type Context = Pick<
  ServerContext,
  | 'store'
  | 'findClient'
  | 'issuer'
  | 'clientKeys'
  | 'now'
  | 'scopes'
  | 'resources'
  | 'defaultResource'
  | 'lifetimes'
>;

/**
 * The device authorization endpoint (RFC 8628 §3.1, §3.2): a client registered for the device
 * grant (public ones too: a CLI holds no secret) authenticates as at the token endpoint and asks
 * for scopes; it gets a device code to poll `/token` with, and a user code for its user to enter at
 * `verification_uri` (`/device`), or to open directly as `verification_uri_complete`. Both codes
 * are stored hashed. Unknown scopes are dropped, as at `/authorize`; resources must be configured.
 */
export function deviceAuthorizationEndpoint(
  context: Context,
  options: Required<DeviceAuthorizationOptions>,
): (request: Request) => Promise<Response> {
  const endpointUrl = `${context.issuer}/device_authorization`;
  return async (request) => {
    const params = await readFormParameters(request);
    const { client } = await authenticateClient(context, request, params, endpointUrl);
    if (!client.grantTypes.includes(DEVICE_CODE)) {
      throw new OAuthError(
        'unauthorized_client',
        `client ${client.clientId} may not use the device authorization grant (register ${DEVICE_CODE})`,
      );
    }
    let scopes = splitSpaceDelimited(params.scope).filter((scope) => context.scopes.includes(scope));
    // A client that may not refresh gets no offline access, rather than an error (as at /authorize).
    if (!client.grantTypes.includes('refresh_token'))
      scopes = scopes.filter((scope) => scope !== 'offline_access');
    let resources: string[];
    try {
      resources = grantResources(context, params.resource);
    } catch (error) {
      throw new OAuthError('invalid_target', (error as Error).message);
    }
    if (params.request !== undefined || params.request_uri !== undefined) {
      throw invalidRequest('request objects are not taken at the device authorization endpoint');
    }

    const now = context.now();
    const deviceCode = randomValue();
    const userCode = newUserCode();
    await context.store.insertDeviceAuthorization({
      deviceCodeHash: sha256(deviceCode),
      userCodeHash: userCodeHash(userCode),
      clientId: client.clientId,
      scopes,
      resources,
      status: 'pending',
      userId: null,
      authTime: null,
      amr: [],
      interval: options.interval,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + context.lifetimes.deviceCode,
      consumedAt: null,
    });
    const verificationUri = `${context.issuer}/device`;
    return jsonNoStore(
      {
        device_code: deviceCode,
        user_code: formatUserCode(userCode),
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${formatUserCode(userCode)}`,
        expires_in: context.lifetimes.deviceCode,
        interval: options.interval,
      },
      200,
      CORS_HEADERS,
    );
  };
}

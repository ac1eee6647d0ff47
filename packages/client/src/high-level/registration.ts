import type { ClientAuth } from '../client-auth.ts';
import { discoveryRequest, processDiscoveryResponse } from '../discovery.ts';
import type { DPoPHandle } from '../http.ts';
import {
  dynamicClientRegistrationRequest,
  processDynamicClientRegistrationResponse,
} from '../registration.ts';
import { allowHttp, customFetch } from '../symbols.ts';
import { allowInsecureRequests, type ClientMetadata, Configuration, stateOf } from './configuration.ts';
import type { DiscoveryRequestOptions } from './discovery.ts';

/**
 * Options of {@link dynamicClientRegistration}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export interface DynamicClientRegistrationRequestOptions extends DiscoveryRequestOptions {
  /** The initial access token the server requires, if any (RFC 7591 §3). */
  initialAccessToken?: string | undefined;
  DPoP?: DPoPHandle | undefined;
}

/**
 * Discovers the server, registers a client there with `metadata`, and returns its
 * {@link Configuration}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @see https://openid.net/specs/openid-connect-registration-1_0.html
 */
export async function dynamicClientRegistration(
  server: URL,
  metadata: Partial<ClientMetadata>,
  clientAuthentication?: ClientAuth,
  options?: DynamicClientRegistrationRequestOptions,
): Promise<Configuration> {
  const http = {
    [customFetch]: options?.[customFetch],
    [allowHttp]: options?.execute?.includes(allowInsecureRequests),
    timeout: options?.timeout,
  };
  const as = await processDiscoveryResponse(
    server,
    await discoveryRequest(server, { ...http, algorithm: options?.algorithm }),
  );
  const registered = await processDynamicClientRegistrationResponse(
    await dynamicClientRegistrationRequest(as, metadata, {
      ...http,
      DPoP: options?.DPoP,
      initialAccessToken: options?.initialAccessToken,
    }),
  );
  const config = new Configuration(
    as,
    registered.client_id,
    { ...metadata, ...registered },
    clientAuthentication,
  );
  Object.assign(stateOf(config), { fetch: http[customFetch], timeout: http.timeout });
  for (const extension of options?.execute ?? []) extension(config);
  return config;
}

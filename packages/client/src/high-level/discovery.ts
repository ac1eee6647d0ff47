import type { ClientAuth } from '../client-auth.ts';
import { discoveryRequest, processDiscoveryResponse } from '../discovery.ts';
import type { CustomFetch } from '../http.ts';
import { allowHttp, customFetch } from '../symbols.ts';
import { allowInsecureRequests, type ClientMetadata, Configuration, stateOf } from './configuration.ts';

/**
 * Options of {@link discovery} (openid-client's `DiscoveryRequestOptions`).
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export interface DiscoveryRequestOptions {
  [customFetch]?: CustomFetch | undefined;
  /** `oidc` (default) or `oauth2` (RFC 8414 well-known URL). */
  algorithm?: 'oidc' | 'oauth2' | undefined;
  /** Functions applied to the configuration, e.g. `[allowInsecureRequests]` (applied before discovery). */
  execute?: Array<(config: Configuration) => void> | undefined;
  /** Seconds to wait for each response (default 30). */
  timeout?: number | undefined;
}

/**
 * Discovers the server's metadata from its issuer identifier and returns the {@link Configuration}
 * of this client there. The discovered `issuer` must be `server` exactly.
 *
 * @param metadata the client metadata, or its `client_secret`
 * @param clientAuthentication how the client authenticates (default: see {@link Configuration})
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discovery(
  server: URL,
  clientId: string,
  metadata?: Partial<ClientMetadata> | string,
  clientAuthentication?: ClientAuth,
  options?: DiscoveryRequestOptions,
): Promise<Configuration> {
  const http = {
    [customFetch]: options?.[customFetch],
    [allowHttp]: options?.execute?.includes(allowInsecureRequests),
    timeout: options?.timeout,
  };
  const response = await discoveryRequest(server, { ...http, algorithm: options?.algorithm });
  const config = new Configuration(
    await processDiscoveryResponse(server, response),
    clientId,
    metadata,
    clientAuthentication,
  );
  Object.assign(stateOf(config), { fetch: http[customFetch], timeout: http.timeout });
  for (const extension of options?.execute ?? []) extension(config);
  return config;
}

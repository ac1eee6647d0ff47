import { type ClientAuth, ClientSecretPost, None } from '../client-auth.ts';
import type { CustomFetch, HttpRequestOptions } from '../http.ts';
import { allowHttp, customFetch } from '../symbols.ts';
import type { AuthorizationServer, Client } from '../types.ts';

/**
 * Client metadata of a {@link Configuration} (openid-client's `ClientMetadata`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export type ClientMetadata = Client;

/**
 * Server metadata of a {@link Configuration} (openid-client's `ServerMetadata`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export type ServerMetadata = AuthorizationServer;

/**
 * The helpers of {@link Configuration.serverMetadata}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export interface ServerMetadataHelpers {
  /** Whether the server advertises this PKCE method (default `S256`) in `code_challenge_methods_supported`. */
  supportsPKCE(method?: string): boolean;
}

interface State {
  as: AuthorizationServer;
  client: Client;
  auth: ClientAuth | undefined;
  insecure?: boolean;
  fetch?: CustomFetch | undefined;
  timeout?: number | undefined;
}

const states = new WeakMap<Configuration, State>();

/** @internal The state of a configuration, or a `TypeError` for anything else. */
export function stateOf(config: Configuration): State {
  const state = states.get(config);
  if (!state) throw new TypeError('"config" must be a Configuration');
  return state;
}

/**
 * @internal The transport options of a configuration's requests, with `more` options added
 * (assigned: spreading an object with symbol keys costs V8 microseconds).
 */
export const httpOf = <T extends object = object>(state: State, more?: T): HttpRequestOptions & T =>
  Object.assign({ [customFetch]: state.fetch, [allowHttp]: state.insecure, timeout: state.timeout }, more);

/**
 * One client at one authorization server: what every high-level function takes first. Usually made
 * by {@link discovery}. Without `clientAuthentication`, a client with a secret uses
 * `client_secret_post` (openid-client's default) unless its metadata names a
 * `token_endpoint_auth_method`; a client without one uses `none`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export class Configuration {
  /**
   * @param metadata the client metadata, or just its secret; `redirect_uri` names the redirect URI
   *   sent at the token endpoint (needed behind proxies, where the request URL differs)
   */
  constructor(
    server: ServerMetadata,
    clientId: string,
    metadata?: Partial<ClientMetadata> | string,
    clientAuthentication?: ClientAuth,
  ) {
    if (typeof clientId !== 'string' || !clientId)
      throw new TypeError('"clientId" must be a non-empty string');
    const client: Client = {
      ...(typeof metadata === 'string' ? { client_secret: metadata } : metadata),
      client_id: clientId,
    };
    const method = client.token_endpoint_auth_method;
    states.set(this, {
      as: { ...server },
      client,
      auth: clientAuthentication ?? (method ? undefined : client.client_secret ? ClientSecretPost() : None()),
    });
  }

  /** A copy of the server metadata, with {@link ServerMetadataHelpers}. */
  serverMetadata(): Readonly<ServerMetadata> & ServerMetadataHelpers {
    const as = stateOf(this).as;
    return {
      ...as,
      supportsPKCE: (method = 'S256') => !!as.code_challenge_methods_supported?.includes(method),
    };
  }

  /** A copy of the client metadata. */
  clientMetadata(): Readonly<ClientMetadata> {
    return { ...stateOf(this).client };
  }

  /** Seconds to wait for each response (default 30). */
  get timeout(): number | undefined {
    return stateOf(this).timeout;
  }

  set timeout(value: number | undefined) {
    stateOf(this).timeout = value;
  }

  /** The `fetch` replacement of this configuration's requests. */
  get [customFetch](): CustomFetch | undefined {
    return stateOf(this).fetch;
  }

  set [customFetch](value: CustomFetch | undefined) {
    stateOf(this).fetch = value;
  }
}

/**
 * Allows `http:` URLs for this configuration (development only): pass it in `discovery`'s
 * `execute` option, or call it on a configuration.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
 */
export function allowInsecureRequests(config: Configuration): void {
  stateOf(config).insecure = true;
}

/**
 * openid-client's switch for verifying the signatures of ID tokens (and other JWT responses). Here
 * they are always verified, against the issuer's JWKS with jose, so this only checks that `config`
 * is a {@link Configuration}: code migrating from openid-client keeps working and stays as safe.
 * (Only an explicit `skipIdTokenSignatureCheck: true` on one call skips a signature check.)
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function enableNonRepudiationChecks(config: Configuration): void {
  stateOf(config);
}

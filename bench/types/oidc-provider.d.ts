/**
 * The small part of oidc-provider v9 the bench uses: the package ships no type declarations, and
 * `@types/oidc-provider` is not a dependency (it lags the major versions).
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** A registered client, as the provider's models take it. */
  export interface ProviderClient {
    clientId: string;
  }

  /** A Grant model instance. */
  export interface ProviderGrant {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    /** @returns the grant id */
    save(): Promise<string>;
  }

  /** An AuthorizationCode model instance. */
  export interface ProviderAuthorizationCode {
    /** @returns the code value */
    save(): Promise<string>;
  }

  /** The provider: a Koa application with its models attached. */
  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    readonly Client: { find(clientId: string): Promise<ProviderClient | undefined> };
    readonly Grant: new (payload: {
      accountId: string;
      clientId: string;
      expiresIn?: number;
    }) => ProviderGrant;
    readonly AuthorizationCode: new (
      payload: Record<string, unknown>,
    ) => ProviderAuthorizationCode;
  }
}

declare module 'oidc-provider/lib/helpers/lru.js' {
  /** The provider's bounded map (two generations, `maxSize` entries each). */
  export default class LRU {
    constructor(options: { maxSize: number });
  }
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  import type LRU from 'oidc-provider/lib/helpers/lru.js';

  /** The provider's default in-memory adapter, one instance per model name. */
  export default class MemoryAdapter {
    constructor(model: string, store?: LRU, clockTolerance?: number);
  }
}

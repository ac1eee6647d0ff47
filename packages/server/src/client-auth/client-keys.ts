import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { ClientRecord } from '../store/store.ts';

/**
 * The registered keys of `private_key_jwt` clients as `jose` key resolvers, kept per process:
 * a `jwks` document is parsed once per version of it, and a `jwks_uri` is fetched by `jose`'s
 * remote JWK Set, which caches the set and refetches it when an assertion names an unknown `kid`
 * (the client rotated its keys).
 */
export class ClientKeys {
  readonly #local = new Map<string, { jwks: string; resolver: JWTVerifyGetKey }>();
  readonly #remote = new Map<string, JWTVerifyGetKey>();

  /** The resolver of `client`'s keys, or `undefined` when it registered none. */
  resolverFor(client: ClientRecord): JWTVerifyGetKey | undefined {
    if (client.jwks !== null) {
      const cached = this.#local.get(client.clientId);
      if (cached?.jwks === client.jwks) return cached.resolver;
      const resolver = createLocalJWKSet(JSON.parse(client.jwks));
      this.#local.set(client.clientId, { jwks: client.jwks, resolver });
      return resolver;
    }
    if (client.jwksUri !== null) {
      let resolver = this.#remote.get(client.jwksUri);
      if (!resolver) {
        // Still to do: fetch through registration/safe-fetch.ts (jose's customFetch) so the address
        // is checked like a metadata document's and resolved off the thread pool (README, Security).
        resolver = createRemoteJWKSet(new URL(client.jwksUri), {
          timeoutDuration: 5000,
          cooldownDuration: 30_000,
        });
        this.#remote.set(client.jwksUri, resolver);
      }
      return resolver;
    }
    return undefined;
  }
}

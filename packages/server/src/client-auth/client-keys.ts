import { createLocalJWKSet, createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { safeFetch } from '../registration/safe-fetch.ts';
import type { ClientRecord } from '../store/store.ts';

/** A client's JWK Set: 64 KiB and 5 s at most. */
const JWKS_LIMITS = { maxBytes: 64 * 1024, timeoutMs: 5000 };

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
      // A self-registered client's keys are never fetched from a loopback or private address (as
      // for its back-channel logout URI); a client the operator registered may keep them inside.
      const allowPrivateNetworks = client.registrationAccessTokenHash === null;
      const key = `${allowPrivateNetworks}:${client.jwksUri}`;
      let resolver = this.#remote.get(key);
      if (!resolver) {
        resolver = createRemoteJWKSet(new URL(client.jwksUri), {
          timeoutDuration: JWKS_LIMITS.timeoutMs,
          cooldownDuration: 30_000,
          [customFetch]: (url) => fetchClientJwks(new URL(url), allowPrivateNetworks),
        });
        this.#remote.set(key, resolver);
      }
      return resolver;
    }
    return undefined;
  }
}

/**
 * `jose`'s fetch of a `jwks_uri`, through {@link safeFetch}: the address checked in the connection's
 * own look-up, the name resolved off the thread pool, no redirects, the size bounded.
 */
async function fetchClientJwks(url: URL, allowPrivateNetworks: boolean): Promise<Response> {
  const answer = await safeFetch(url, {
    ...JWKS_LIMITS,
    allowPrivateNetworks,
    accept: 'application/json, application/jwk-set+json',
  });
  // jose reads the status, then the JSON body of a 200 (only a 200 carries one here: a 204 or 304
  // Response may not have a body at all).
  return answer.status === 200
    ? new Response(new Uint8Array(answer.body), { status: 200 })
    : new Response(null, { status: answer.status });
}

import {
  type ClientIdMetadataDocuments,
  isClientIdUrl,
} from '../registration/client-id-metadata-document.ts';
import type { ClientRecord, Store } from '../store/store.ts';

/** How long a client read from the store is reused. Short: removals reach every process within it. */
const TTL_MS = 1000;
/** Bound on the cache, so a flood of distinct client ids cannot grow memory without limit. */
const MAX_ENTRIES = 10_000;

/**
 * `findClient` with a one-second memory of the clients found — in the store, or else, for a
 * client id that is a URL, in its Client ID Metadata Document (which has its own, longer cache). The token endpoint reads the client
 * on every request; under load this saves a store read (and its JSON decoding) per request.
 * Unknown ids are never remembered, so a client added (by `codegrant clients add`, from any
 * process) is usable at once; a removed or changed client is seen within a second.
 */
export function cachedClientLookup(
  store: Store,
  documents: ClientIdMetadataDocuments | undefined,
  clock: () => number,
): (clientId: string) => Promise<ClientRecord | null> {
  const cache = new Map<string, { client: ClientRecord; expires: number }>();
  return async (clientId) => {
    const now = performance.now();
    const hit = cache.get(clientId);
    if (hit && hit.expires > now) return hit.client;
    // With metadata documents on, a client id that is a URL is whatever its document says.
    const client =
      documents && isClientIdUrl(clientId)
        ? await documents.find(clientId, clock())
        : await store.findClient(clientId);
    if (client) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(clientId, { client: Object.freeze(client), expires: now + TTL_MS });
    } else {
      cache.delete(clientId);
    }
    return client;
  };
}

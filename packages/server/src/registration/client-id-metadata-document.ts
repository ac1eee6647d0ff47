import type { ResolvedOptions } from '../options.ts';
import type { ClientRecord, Store } from '../store/store.ts';
import { validateClientMetadata } from './client-metadata.ts';
import { clientFromMetadata } from './registered-client.ts';
import { safeFetchJson } from './safe-fetch.ts';
import { withSectorIdentifier } from './sector-identifier.ts';

/** Settings of Client ID Metadata Documents. */
export interface ClientIdMetadataDocumentOptions {
  /** Development only: accept `http` client ids and private or loopback addresses. */
  allowPrivateNetworks?: boolean;
}

const MAX_BYTES = 5 * 1024;
const TIMEOUT_MS = 5000;
/** Bounds on how long a document is cached, whatever its `Cache-Control` says. */
const MIN_CACHE_SECONDS = 60;
const MAX_CACHE_SECONDS = 24 * 3600;
const DEFAULT_CACHE_SECONDS = 300;

/** Whether a client id is a URL, and so names a Client ID Metadata Document. */
export function isClientIdUrl(clientId: string): boolean {
  return clientId.startsWith('https://') || clientId.startsWith('http://');
}

/**
 * Clients identified by the URL of their metadata document (OAuth Client ID Metadata Document):
 * an MCP client needs no registration, the document it publishes is its registration. The
 * document must name itself as `client_id`, is validated like a registration request, may not use
 * shared secrets (nobody could have given it one), and is fetched with SSRF protection, bounded in
 * size (5 KiB) and time (5 s), and cached per its `Cache-Control` (1 minute to 1 day).
 */
export class ClientIdMetadataDocuments {
  readonly #allowPrivate: boolean;
  readonly #store: Store;
  readonly #pairwise: Pick<ResolvedOptions, 'pairwiseSubjects'>;
  readonly #cache = new Map<string, { client: ClientRecord | null; until: number }>();

  /**
   * @param store where a copy of each client is kept, because the grants, sessions and consents
   *   of a client refer to its row; the document stays the authority
   * @param pairwise whether a document may ask for pairwise subjects (`subject_type`), as a
   *   registration may; its sector is found the same way
   */
  constructor(
    store: Store,
    options: ClientIdMetadataDocumentOptions = {},
    pairwise: Pick<ResolvedOptions, 'pairwiseSubjects'> = { pairwiseSubjects: false },
  ) {
    this.#store = store;
    this.#allowPrivate = options.allowPrivateNetworks ?? false;
    this.#pairwise = pairwise;
  }

  /** The client the document at `clientId` describes, or `null` when there is no usable document. */
  async find(clientId: string, now: number): Promise<ClientRecord | null> {
    const cached = this.#cache.get(clientId);
    if (cached && cached.until > now) return cached.client;
    const { client, seconds } = await this.#load(clientId, now);
    if (client) await this.#keepCopy(client);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(clientId, { client, until: now + seconds });
    return client;
  }

  async #keepCopy(client: ClientRecord): Promise<void> {
    const stored = await this.#store.findClient(client.clientId);
    if (stored) {
      await this.#store.updateClient({ ...client, createdAt: stored.createdAt });
      return;
    }
    try {
      await this.#store.insertClient(client);
    } catch {
      // Another process inserted it first: refresh that row instead.
      await this.#store.updateClient(client);
    }
  }

  async #load(clientId: string, now: number): Promise<{ client: ClientRecord | null; seconds: number }> {
    const url = parseClientIdUrl(clientId, this.#allowPrivate);
    if (!url) return { client: null, seconds: MIN_CACHE_SECONDS };
    try {
      const fetched = await safeFetchJson(url, {
        maxBytes: MAX_BYTES,
        timeoutMs: TIMEOUT_MS,
        allowPrivateNetworks: this.#allowPrivate,
      });
      if (fetched.status !== 200) return { client: null, seconds: MIN_CACHE_SECONDS };
      const described = toClient(clientId, fetched.body, now);
      const previous = described?.subjectType === 'pairwise' ? await this.#store.findClient(clientId) : null;
      const client = described && (await withSectorIdentifier(this.#pairwise, described, previous));
      return { client, seconds: cacheSeconds(fetched.cacheControl) };
    } catch {
      // Unreachable, refused (private address), too large, too slow or invalid: no client.
      return { client: null, seconds: MIN_CACHE_SECONDS };
    }
  }
}

/** The URL of a client id if it may name a document: https (http only for development), a path, no fragment or credentials. */
function parseClientIdUrl(clientId: string, allowHttp: boolean): URL | null {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return null;
  if (url.hash || url.username || url.password || url.pathname === '/' || url.href !== clientId) return null;
  return url;
}

function toClient(clientId: string, document: unknown, now: number): ClientRecord | null {
  const body = document as Record<string, unknown> | null;
  if (!body || body.client_id !== clientId || 'client_secret' in body) return null;
  let metadata: ReturnType<typeof validateClientMetadata>;
  try {
    metadata = validateClientMetadata({ token_endpoint_auth_method: 'none', ...body });
  } catch {
    return null;
  }
  if (metadata.tokenEndpointAuthMethod.startsWith('client_secret_')) return null;
  // Nobody issued it credentials to act for itself.
  const grantTypes = metadata.grantTypes.filter((grant) => grant !== 'client_credentials');
  // Nor does a document at any URL get our server to post to an address of its choosing.
  const backchannel = { backchannelLogoutUri: null, backchannelLogoutSessionRequired: false };
  return clientFromMetadata(
    { ...metadata, grantTypes, ...backchannel },
    { clientId, clientSecretHash: null, registrationAccessTokenHash: null, createdAt: now },
  );
}

function cacheSeconds(cacheControl: string | undefined): number {
  if (cacheControl && /no-store|no-cache/i.test(cacheControl)) return MIN_CACHE_SECONDS;
  const maxAge = /max-age=(\d+)/i.exec(cacheControl ?? '')?.[1];
  const seconds = maxAge === undefined ? DEFAULT_CACHE_SECONDS : Number(maxAge);
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}

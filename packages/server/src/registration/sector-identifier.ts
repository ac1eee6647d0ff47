import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store/store.ts';
import { isLoopbackHost } from './redirect-uri-policy.ts';
import { safeFetchJson } from './safe-fetch.ts';

/** How a `sector_identifier_uri` may be fetched. */
export interface SectorIdentifierFetchOptions {
  /**
   * Development only: the document may be on a loopback or private address, and served over
   * `http` on a loopback host. Otherwise https, on public addresses (SSRF protection).
   */
  allowPrivateNetworks: boolean;
}

/** The largest `sector_identifier_uri` document read (its redirect URIs, as JSON). */
const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 5000;

function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description);
}

/**
 * The sector of one redirect URI (OpenID Connect Core §8.1: its host). Two kinds of redirect URI
 * have no host that names an owner, so pairwise subjects would be shared by unrelated apps:
 * - loopback (`http://127.0.0.1:…`, RFC 8252 §7.3), which every native app on every machine uses:
 *   such a client is a sector of its own, `client_id:<its id>`;
 * - a private-use scheme (`com.example.app:/cb`, RFC 8252 §7.1), which has no host: its scheme, a
 *   reversed domain name the app's publisher owns, is the sector, as `scheme:com.example.app`.
 * The prefixes keep them apart from host names.
 */
function sectorOfRedirectUri(clientId: string, uri: string): string {
  const url = new URL(uri);
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? `client_id:${clientId}` : url.hostname;
  }
  return `scheme:${url.protocol.slice(0, -1)}`;
}

/**
 * The sector of a pairwise client without a `sector_identifier_uri`: the one host of its redirect
 * URIs (Core §8.1).
 *
 * @throws {OAuthError} `invalid_client_metadata` when there is none, or more than one
 */
export function sectorOfRedirectUris(clientId: string, redirectUris: readonly string[]): string {
  const sectors = [...new Set(redirectUris.map((uri) => sectorOfRedirectUri(clientId, uri)))];
  if (sectors.length === 0) {
    throw invalidMetadata('subject_type pairwise needs redirect_uris or a sector_identifier_uri');
  }
  if (sectors.length > 1) {
    throw invalidMetadata(
      `the redirect URIs are on several hosts (${sectors.join(', ')}): with subject_type pairwise, register a sector_identifier_uri that lists them all (OpenID Connect Core §8.1)`,
    );
  }
  return sectors[0]!;
}

/** The `sector_identifier_uri` a client registered (kept with its other registered metadata), if any. */
export function sectorIdentifierUriOf(client: Pick<ClientRecord, 'metadata'>): string | null {
  const uri = client.metadata.sector_identifier_uri;
  return typeof uri === 'string' ? uri : null;
}

/**
 * Whether `uri` may be registered as a `sector_identifier_uri`: an absolute https URL without
 * fragment or credentials (http on a loopback host is accepted here, and fetched only in
 * development, see {@link SectorIdentifierFetchOptions}).
 */
export function sectorIdentifierUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash || url.username || url.password) return 'must not have a fragment or credentials';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return;
  return 'must use https';
}

/**
 * The sector of a client (`null` for a public one), per OpenID Connect Core §8.1 and Registration
 * §5: with a `sector_identifier_uri`, the document there is fetched (SSRF-protected: public
 * addresses, 5 s, 64 KiB, no redirects) and must be a JSON array of strings holding every redirect
 * URI of the client; the sector is then that URI's host. Without one, the one host of the redirect
 * URIs ({@link sectorOfRedirectUris}).
 *
 * @throws {OAuthError} `invalid_client_metadata`, saying what failed
 */
export async function resolveSectorIdentifier(
  client: Pick<ClientRecord, 'clientId' | 'subjectType' | 'redirectUris'> & {
    sectorIdentifierUri: string | null;
  },
  options: SectorIdentifierFetchOptions,
): Promise<string | null> {
  if (client.subjectType !== 'pairwise') return null;
  const uri = client.sectorIdentifierUri;
  if (uri === null) return sectorOfRedirectUris(client.clientId, client.redirectUris);
  const problem = sectorIdentifierUriProblem(uri);
  if (problem) throw invalidMetadata(`sector_identifier_uri ${problem}`);
  const url = new URL(uri);
  if (url.protocol !== 'https:' && !options.allowPrivateNetworks) {
    throw invalidMetadata('sector_identifier_uri must use https');
  }
  let fetched: Awaited<ReturnType<typeof safeFetchJson>>;
  try {
    fetched = await safeFetchJson(url, {
      maxBytes: MAX_BYTES,
      timeoutMs: TIMEOUT_MS,
      allowPrivateNetworks: options.allowPrivateNetworks,
    });
  } catch (error) {
    throw invalidMetadata(`sector_identifier_uri could not be read: ${(error as Error).message}`);
  }
  if (fetched.status !== 200) {
    throw invalidMetadata(`sector_identifier_uri answered HTTP ${fetched.status}, not 200`);
  }
  const listed = fetched.body;
  if (!Array.isArray(listed) || listed.some((item) => typeof item !== 'string')) {
    throw invalidMetadata('sector_identifier_uri must serve a JSON array of redirect URIs');
  }
  const missing = client.redirectUris.find((redirectUri) => !listed.includes(redirectUri));
  if (missing !== undefined) {
    throw invalidMetadata(
      `sector_identifier_uri does not list the redirect URI ${missing}: it must list every one (OpenID Connect Registration §5)`,
    );
  }
  return url.hostname;
}

/**
 * A registered (or updated) client with its sector set: `null` when public; for a pairwise one,
 * resolved by {@link resolveSectorIdentifier}. Pairwise must be offered (`pairwiseSubjects`),
 * unless the client already was pairwise (turning the option off keeps existing clients working).
 * An update may not move a pairwise client to another sector: every `sub` its users have would change.
 *
 * @throws {OAuthError} `invalid_client_metadata`
 */
export async function withSectorIdentifier(
  context: Pick<ServerContext, 'pairwiseSubjects'>,
  client: ClientRecord,
  previous: ClientRecord | null,
): Promise<ClientRecord> {
  if (client.subjectType !== 'pairwise') return { ...client, sectorIdentifier: null };
  const wasPairwise = previous?.subjectType === 'pairwise';
  if (context.pairwiseSubjects === false && !wasPairwise) {
    throw invalidMetadata('subject_type pairwise is not offered by this server');
  }
  const sector = await resolveSectorIdentifier(
    { ...client, sectorIdentifierUri: sectorIdentifierUriOf(client) },
    {
      allowPrivateNetworks:
        context.pairwiseSubjects !== false && context.pairwiseSubjects.allowPrivateNetworks,
    },
  );
  if (wasPairwise && previous.sectorIdentifier !== null && previous.sectorIdentifier !== sector) {
    throw invalidMetadata(
      `this would move the client from sector ${previous.sectorIdentifier} to ${sector}, changing the sub of every user it knows: keep the redirect URIs on one host, or list them at a sector_identifier_uri on it`,
    );
  }
  return { ...client, sectorIdentifier: sector };
}

import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { type ResolvedAddress, resolvePublicName } from './public-dns.ts';

/** Addresses a server-side fetch of a URL someone else chose must never reach (SSRF). */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The DNS lookup of a connection to a URL someone else chose: it refuses a name that resolves to a
 * private address (unless `allowPrivateNetworks`), *in the connection's own lookup*, so a name that
 * resolves to a public address for a check and a private one for the connection (DNS rebinding)
 * gets nowhere. Give it as `lookup` to `http.request`; check IP literals with {@link privateLiteral}.
 *
 * Names are resolved with DNS queries off libuv's thread pool ({@link resolvePublicName}); with
 * `allowPrivateNetworks` (development, internal networks) with `dns.lookup`, which also knows
 * `/etc/hosts` and search domains.
 */
export function guardedLookup(allowPrivateNetworks: boolean): LookupFunction {
  const resolve = allowPrivateNetworks ? systemLookup : resolvePublicName;
  return (hostname, lookupOptions, callback) => {
    resolve(
      hostname,
      lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0,
    ).then(
      (list) => {
        const refused = list.find((entry) => isPrivateAddress(entry.address));
        if (refused && !allowPrivateNetworks) {
          return callback(new Error(`${hostname} resolves to a private address (${refused.address})`), '', 0);
        }
        const chosen = list[0];
        if (!chosen) return callback(new Error(`${hostname} has no address`), '', 0);
        if (lookupOptions.all) return callback(null, list as never, 0);
        callback(null, chosen.address, chosen.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** `dns.lookup` (`getaddrinfo`) with every address, in the shape of {@link resolvePublicName}'s. */
function systemLookup(hostname: string, family: number): Promise<ResolvedAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { family, all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses as ResolvedAddress[]),
    ),
  );
}

/** An IP literal never goes through the lookup: why `url`'s host is refused, if it is a private address. */
export function privateLiteral(url: URL): string | undefined {
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(literal) && isPrivateAddress(literal) ? `${url.hostname} is a private address` : undefined;
}

/** Limits of {@link safeFetchJson}. */
export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Development only: allow loopback and private addresses (and plain http). */
  allowPrivateNetworks: boolean;
}

/** What a fetch returned. */
export interface SafeFetchResult {
  status: number;
  /** The JSON document of a 200 answer; `null` for any other status. */
  body: unknown;
  /** The `Cache-Control` header, for the caller's caching. */
  cacheControl: string | undefined;
}

/** What {@link safeFetch} received. */
export interface SafeFetchAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * GETs a URL chosen by someone else without letting it reach inside our network: the resolved
 * address is checked *in the connection's own DNS lookup*, so a name that resolves to a public
 * address for a check and a private one for the connection (DNS rebinding) gets nowhere. No
 * redirects are followed; the body is bounded in size and the whole exchange in time.
 *
 * @throws {Error} naming the refusal: a private address, too large, too slow
 */
export function safeFetch(
  url: URL,
  options: SafeFetchOptions & { accept: string },
): Promise<SafeFetchAnswer> {
  const lookup = guardedLookup(options.allowPrivateNetworks);
  const literal = privateLiteral(url);
  if (literal && !options.allowPrivateNetworks) return Promise.reject(new Error(literal));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'GET', lookup, headers: { accept: options.accept } }, (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) {
          clearTimeout(deadline);
          reject(new Error(`the document exceeds ${options.maxBytes} bytes`));
          // Destroyed without an error: the rejection above already said why.
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
      response.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
    });
    // One deadline for the whole exchange: a server trickling bytes cannot hold us.
    const deadline = setTimeout(() => {
      reject(new Error(`no complete answer within ${options.timeoutMs} ms`));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.end();
  });
}

/**
 * GETs a JSON document (a client id that is a URL, a sector identifier) with {@link safeFetch}.
 *
 * @throws {Error} naming the refusal: a private address, too large, too slow, not JSON
 */
export async function safeFetchJson(url: URL, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const answer = await safeFetch(url, { ...options, accept: 'application/json' });
  // Only a document is read: the status of anything else says enough.
  if (answer.status !== 200) return { status: answer.status, body: null, cacheControl: undefined };
  try {
    return {
      status: answer.status,
      body: JSON.parse(answer.body.toString('utf8')),
      cacheControl: answer.headers['cache-control'],
    };
  } catch {
    throw new Error('the document is not JSON');
  }
}

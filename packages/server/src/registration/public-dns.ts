import { Resolver } from 'node:dns';

/** One address of a name, as `dns.lookup` with `all: true` gives them. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Each query waits this long for an answer, tried twice: a silent name server costs ~4 s per name. */
const QUERY_TIMEOUT_MS = 2000;
const QUERY_TRIES = 2;

let resolver: Resolver | undefined;

/**
 * Sends the queries of {@link resolvePublicName} to these servers (`'203.0.113.53'`,
 * `'127.0.0.1:5353'`) instead of the system's (`/etc/resolv.conf`): a resolver of your choice, or a
 * test's own name server.
 */
export function setPublicDnsServers(servers: string[]): void {
  resolver = newResolver();
  resolver.setServers(servers);
}

function newResolver(): Resolver {
  return new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: QUERY_TRIES });
}

/**
 * Resolves a name of the public internet with DNS queries (c-ares, on the event loop), not with
 * `dns.lookup`. Why: `dns.lookup` calls `getaddrinfo` on libuv's thread pool, the pool that signs
 * every token, and a name server that never answers (anyone can run one, and name it in a client id
 * URL) would hold a pool thread for its whole timeout. Queries here hold nothing but their socket.
 *
 * What `getaddrinfo` would add and this does not: `/etc/hosts` and search domains. Only names of
 * the public internet come here (private addresses are refused anyway); `localhost` and its
 * subdomains are the loopback addresses without asking anyone (RFC 6761 §6.3).
 *
 * @param family 4 or 6 for one family, 0 for both (IPv4 first)
 * @throws the resolver's error (`ENOTFOUND`, `ETIMEOUT`, …) when no family has an address
 */
export async function resolvePublicName(hostname: string, family: number): Promise<ResolvedAddress[]> {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return [
      ...(family !== 6 ? [{ address: '127.0.0.1', family: 4 as const }] : []),
      ...(family !== 4 ? [{ address: '::1', family: 6 as const }] : []),
    ];
  }
  resolver ??= newResolver();
  const queries: Promise<ResolvedAddress[]>[] = [];
  if (family !== 6) queries.push(query(resolver, 'resolve4', name, 4));
  if (family !== 4) queries.push(query(resolver, 'resolve6', name, 6));
  const answers = await Promise.allSettled(queries);
  const addresses = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
  if (addresses.length > 0) return addresses;
  const failed = answers.find((answer) => answer.status === 'rejected');
  throw failed ? failed.reason : new Error(`${hostname} has no address`);
}

function query(
  resolver: Resolver,
  method: 'resolve4' | 'resolve6',
  name: string,
  family: 4 | 6,
): Promise<ResolvedAddress[]> {
  return new Promise((resolve, reject) =>
    resolver[method](name, (error, addresses) =>
      error ? reject(error) : resolve(addresses.map((address) => ({ address, family }))),
    ),
  );
}

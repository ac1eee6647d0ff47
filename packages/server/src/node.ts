import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { createAdaptorServer } from '@hono/node-server';
import type { AuthorizationServer } from './index.ts';

/** Options of {@link serve}. */
export interface ServeOptions {
  port?: number;
  hostname?: string;
  /** Sweep expired rows this often, in seconds (default 300; 0 disables). */
  sweepIntervalSeconds?: number;
  /** Reload the signing keys this often, to pick up another process's rotation (default 60; 0 disables). */
  keyReloadIntervalSeconds?: number;
  /**
   * Look for back-channel logouts due this often, in seconds (default 30; 0 disables): those of
   * sessions another process or the CLI ended. This process's own are sent at once regardless.
   */
  backchannelLogoutIntervalSeconds?: number;
}

/**
 * Serves the identity provider on `node:http`: the thin adapter that turns Node's request into a
 * `Request` and passes the peer address (for login throttling). Resolves once listening.
 */
export async function serve(server: AuthorizationServer, options: ServeOptions = {}): Promise<Server> {
  const http = createAdaptorServer({
    fetch: (request: Request, env: { incoming: { socket: { remoteAddress?: string } } }) =>
      server.fetch(request, { remoteAddress: env.incoming.socket.remoteAddress }),
  }) as Server;
  // Keep-alive connections outlive typical load balancer idle timeouts (60 s), so the balancer closes first.
  http.keepAliveTimeout = 65_000;
  every(http, options.sweepIntervalSeconds ?? 300, () => server.sweep());
  every(http, options.keyReloadIntervalSeconds ?? 60, () => server.reloadKeys());
  every(http, options.backchannelLogoutIntervalSeconds ?? 30, () => server.deliverBackchannelLogouts());
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 4000, options.hostname, () => resolve());
  });
  // Logouts left due by a process that stopped before delivering them (never in the way of serving).
  void server.deliverBackchannelLogouts();
  return http;
}

/**
 * Serves `GET /metrics` (Prometheus text) on a listener of its own, away from the public port:
 * bind it to an address only your scraper reaches. Needs a server created with `metrics: true`.
 */
export async function serveMetrics(
  server: AuthorizationServer,
  options: { port: number; hostname?: string },
): Promise<Server> {
  const http = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    server.metrics().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.hostname, () => resolve());
  });
  return http;
}

/** Options of {@link shutDown}. */
export interface ShutdownOptions {
  /**
   * Seconds to keep serving after readiness turned 503, for load balancers to notice and for busy
   * keep-alive connections to be told to close (default 1). Give it your balancer's health-check
   * interval times its failure threshold for rolling deploys.
   */
  drainSeconds?: number;
  /** Seconds in-flight requests get to finish once listening stopped; then connections are cut (default 10). */
  graceSeconds?: number;
}

/** After listening stops, connections accepted just before get this long to send their request. */
const LAST_REQUESTS_MS = 500;

/**
 * Stops serving without losing a request, for rolling deploys (SIGTERM):
 * 1. `/readyz` answers 503 and every response says `Connection: close`, so clients on keep-alive
 *    connections reconnect (through the balancer, to another process) after their answer;
 * 2. after `drainSeconds`, listening stops; connections accepted just before get half a second to
 *    send their request, then idle ones are closed and in-flight requests finish;
 * 3. after `graceSeconds` more, what is left is cut;
 * 4. the server's audit log is flushed. Close the store after this resolves.
 */
export async function shutDown(
  http: Server,
  server: AuthorizationServer,
  options: ShutdownOptions = {},
): Promise<void> {
  server.drain();
  // Added now, not at start: a second listener on every request would cost the fast path.
  http.on('request', (_request, response) => response.setHeader('connection', 'close'));
  await sleep((options.drainSeconds ?? 1) * 1000);
  // net.Server's close, not http.Server's: that one also closes idle connections at once, among
  // them connections just accepted whose request is still on its way, and those would be lost.
  const closed = new Promise<void>((resolve, reject) =>
    NetServer.prototype.close.call(http, (error) => (error ? reject(error) : resolve())),
  );
  await sleep(LAST_REQUESTS_MS);
  http.closeIdleConnections();
  // A request that began before the drain got no `Connection: close`: its connection turns idle
  // after the answer, and is closed then.
  const idle = setInterval(() => http.closeIdleConnections(), LAST_REQUESTS_MS);
  const deadline = setTimeout(() => http.closeAllConnections(), (options.graceSeconds ?? 10) * 1000);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
  await server.close();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `task` every `seconds` while `http` is open; a failure waits for the next round. */
function every(http: Server, seconds: number, task: () => Promise<unknown>): void {
  if (seconds <= 0) return;
  const timer = setInterval(() => void task().catch(() => {}), seconds * 1000);
  timer.unref();
  http.on('close', () => clearInterval(timer));
}

/**
 * The libuv thread pool size {@link sizeThreadPoolToCores} picks: one thread fewer than the cores,
 * at least one. The pool signs every token; the other core stays the event loop's. On 2 cores,
 * 1 thread measured 14–33% more `/token` throughput than 2 in five alternating pairs of
 * `npm run bench` runs (2 threads sign two responses at once and preempt the event loop, which is
 * the bottleneck), and Node's default of 4 less still. Password hashes, the pool's long jobs, run
 * on threads of their own (`interaction/password-threads.ts`), so none waits behind them.
 */
export function threadPoolSizeForCores(cores: number = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

/**
 * Sizes libuv's thread pool with {@link threadPoolSizeForCores}, unless `UV_THREADPOOL_SIZE` is
 * already set. Takes effect only before the pool's first use: call it first.
 *
 * What else uses the pool, and waits with the signatures on a small one: key generation at
 * rotation, and the `getaddrinfo` look-ups of names you configured (upstream providers, the SMTP
 * host, the `jwks_uri` of clients you registered). Names anyone may choose (client metadata
 * documents, sector identifiers, back-channel logout URIs, self-registered clients' `jwks_uri`) are
 * resolved off the pool (`registration/public-dns.ts`). Give `UV_THREADPOOL_SIZE` a larger value if
 * the names you use resolve slowly.
 */
export function sizeThreadPoolToCores(): void {
  process.env.UV_THREADPOOL_SIZE ??= String(threadPoolSizeForCores());
}

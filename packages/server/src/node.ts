import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { createAdaptorServer } from '@hono/node-server';
import type { AuthorizationServer } from './index.ts';

/** Options of {@link serve}. */
export interface ServeOptions {
  port?: number;
  hostname?: string;
  /** Sweep expired rows this often, in seconds (default 300; 0 disables). */
  sweepIntervalSeconds?: number;
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
  const sweepSeconds = options.sweepIntervalSeconds ?? 300;
  if (sweepSeconds > 0) {
    const timer = setInterval(() => void server.sweep().catch(() => {}), sweepSeconds * 1000);
    timer.unref();
    http.on('close', () => clearInterval(timer));
  }
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 4000, options.hostname, () => resolve());
  });
  return http;
}

/**
 * Sizes libuv's thread pool to the machine's cores (at least 2), unless `UV_THREADPOOL_SIZE` is
 * already set. The server signs tokens and hashes passwords on that pool, and Node's default of 4
 * threads oversubscribes small machines: on 2 cores the token endpoint measured ~10% more
 * throughput with 2 threads than with 4 (`npm run bench`). At least 2, so that a password hash
 * never holds up every signature. Takes effect only before the pool's first use: call it first.
 */
export function sizeThreadPoolToCores(): void {
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
}

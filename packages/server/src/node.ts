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
  /** Reload the signing keys this often, to pick up another process's rotation (default 60; 0 disables). */
  keyReloadIntervalSeconds?: number;
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
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 4000, options.hostname, () => resolve());
  });
  return http;
}

/** Runs `task` every `seconds` while `http` is open; a failure waits for the next round. */
function every(http: Server, seconds: number, task: () => Promise<unknown>): void {
  if (seconds <= 0) return;
  const timer = setInterval(() => void task().catch(() => {}), seconds * 1000);
  timer.unref();
  http.on('close', () => clearInterval(timer));
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

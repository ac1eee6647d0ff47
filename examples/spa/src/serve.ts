import { createServer, type Server } from 'node:http';
import type { StaticFile } from './build.ts';

/** Where {@link serveSpa} listens, and which other origins the page may talk to. */
export interface ServeSpaOptions {
  port: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  /** Origins the app calls or frames (the identity provider, the API): its CSP allows them. */
  connectTo?: string[];
}

/**
 * Serves built files on node:http: each path as built, any other path the page (`/index.html`:
 * the app routes on the client, `/callback` and `/signed-out` included). The page gets a strict
 * Content Security Policy (scripts of this origin only; the identity provider allowed for `fetch`
 * and the silent-renew iframe) and `Referrer-Policy: no-referrer` (callback URLs carry codes).
 */
export async function serveSpa(files: Map<string, StaticFile>, options: ServeSpaOptions): Promise<Server> {
  const others = (options.connectTo ?? []).map((url) => new URL(url).origin).join(' ');
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${others}`,
    `frame-src 'self' ${others}`,
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://spa').pathname;
    const file = files.get(path) ?? files.get('/index.html')!;
    response.writeHead(200, {
      'content-type': file.contentType,
      'content-length': file.body.byteLength,
      'cache-control': 'no-cache',
      'content-security-policy': csp,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname ?? '127.0.0.1', () => resolve());
  });
  return server;
}

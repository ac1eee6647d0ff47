import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A handler of the crafted server: a Web `Request` in, a `Response` out. */
export type Handler = (request: Request) => Response | Promise<Response>;

/** A tiny HTTP server on 127.0.0.1 whose routes a test sets and whose requests it can inspect. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Answers `path` (pathname) with `handler` from now on. */
  route(path: string, handler: Handler): void;
  /** Every request received, in order. */
  requests: Request[];
  close(): Promise<void>;
}

/** Starts a {@link FakeServer}; unknown paths answer 404. */
export async function startFakeServer(): Promise<FakeServer> {
  const routes = new Map<string, Handler>();
  const requests: Request[] = [];
  let base = '';
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const item of [value ?? []].flat()) headers.append(name, item);
    }
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(new URL(req.url!, base), { method: req.method, headers, body });
    requests.push(request.clone());
    try {
      const handler = routes.get(new URL(request.url).pathname);
      const response = handler ? await handler(request) : new Response('not found', { status: 404 });
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      res.writeHead(response.status, responseHeaders);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      res.writeHead(500);
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url: base,
    route: (path, handler) => routes.set(path, handler),
    requests,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

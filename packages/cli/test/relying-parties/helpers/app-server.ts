/** The relying party's own web server, as its framework would run it on node:http. */
import { createServer, type RequestListener } from 'node:http';

/** Listens on 127.0.0.1:`port`; resolves with the function that closes it, open connections included. */
export async function serveApp(port: number, listener: RequestListener): Promise<() => Promise<void>> {
  const server = createServer(listener);
  // A port taken meanwhile fails the test at once rather than leaving it waiting.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
}

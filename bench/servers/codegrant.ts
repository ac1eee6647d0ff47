/**
 * Subject: codegrant on a fresh, durable SQLite file (WAL, `synchronous = NORMAL`, the defaults),
 * served by `serve()` on node:http. Pre-mints the codes straight into the store, then reports
 * `{ port, codes }` to the runner.
 *
 * With `BENCH_CODEGRANT_STORE=memory` (`npm run bench -- --codegrant-store memory`) it uses the
 * in-memory store instead: not the product's configuration, but it shows what the durable store costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthorizationServer, MemoryStore, type Store } from '@codegrant/server';
import { serve } from '@codegrant/server/node';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { findFreePort, requestedCodeCount, serveBench } from '../subject.ts';
import { benchServeOptions, benchServerOptions, seedStore } from './codegrant-seed.ts';

const count = requestedCodeCount();
const directory = mkdtempSync(join(tmpdir(), 'codegrant-bench-'));
const store: Store =
  process.env.BENCH_CODEGRANT_STORE === 'memory'
    ? new MemoryStore()
    : await openSqliteStore(join(directory, 'codegrant.db'));
const port = await findFreePort();
const server = await createAuthorizationServer(benchServerOptions(`http://127.0.0.1:${port}`, store));
const codes = await seedStore(store, count);

const http = await serve(server, benchServeOptions(port));
await serveBench({ port, codes }, async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomToken } from '@codegrant/protocol';
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  type ClientRecord,
  createAuthorizationServer,
  hashPassword,
  newClientRecord,
  type Store,
  sha256,
} from '@codegrant/server';
import { serve } from '@codegrant/server/node';
import { openSqliteStore } from '@codegrant/server/sqlite';

/** A server under test, on a real port and a real SQLite file. */
export interface TestServer {
  issuer: string;
  server: AuthorizationServer;
  store: Store;
  http: Server;
  /** Stops the server, closes the store and deletes its directory. */
  close(): Promise<void>;
}

/** Starts the identity provider on 127.0.0.1 with a fresh SQLite file (or `dbPath`). */
export async function startTestServer(
  options: Partial<Omit<AuthorizationServerOptions, 'issuer' | 'store'>> & { dbPath?: string } = {},
): Promise<TestServer> {
  const dir = options.dbPath ? undefined : mkdtempSync(join(tmpdir(), 'codegrant-test-'));
  const store = await openSqliteStore(options.dbPath ?? join(dir!, 'test.db'));
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const server = await createAuthorizationServer({ logger: () => {}, ...options, issuer, store });
  const http = await serve(server, { port, hostname: '127.0.0.1', sweepIntervalSeconds: 0 });
  return {
    issuer,
    server,
    store,
    http,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
      await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Adds a user; returns its id. */
export async function addUser(
  store: Store,
  username: string,
  password: string,
  extra: { email?: string; name?: string } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  const now = Math.floor(Date.now() / 1000);
  await store.insertUser({
    id,
    username,
    passwordHash: await hashPassword(password),
    email: extra.email ?? null,
    emailVerified: extra.email !== undefined,
    name: extra.name ?? null,
    admin: false,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

/** Adds a client; confidential unless `public: true`. Returns its id and secret. */
export async function addClient(
  store: Store,
  settings: Partial<ClientRecord> & { redirectUris: string[]; public?: boolean },
): Promise<{ clientId: string; clientSecret: string | undefined }> {
  const clientId = settings.clientId ?? randomToken(16);
  const clientSecret = settings.public ? undefined : randomToken();
  const { public: _, ...record } = settings;
  await store.insertClient(
    newClientRecord({
      clientId,
      clientSecretHash: clientSecret ? sha256(clientSecret) : null,
      name: 'Test App',
      ...record,
    }),
  );
  return { clientId, clientSecret };
}

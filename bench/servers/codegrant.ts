/**
 * Subject A: codegrant on a fresh, durable SQLite file (WAL, `synchronous = NORMAL`, the defaults),
 * served by `serve()` on node:http. Pre-mints the codes straight into the store, the way
 * `authorize/issue-code.ts` stores them, then reports `{ port, codes }` to the runner.
 *
 * With `BENCH_CODEGRANT_STORE=memory` (`npm run bench -- --codegrant-store memory`) it uses the
 * in-memory store instead: not the product's configuration, but it shows what the durable store costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculatePKCECodeChallenge, randomToken } from '@codegrant/protocol';
import { createAuthorizationServer, hashPassword, MemoryStore, type Store, sha256 } from '@codegrant/server';
import { serve } from '@codegrant/server/node';
import { openSqliteStore } from '@codegrant/server/sqlite';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CODE_LIFETIME_SECONDS,
  CODE_VERIFIER,
  findFreePort,
  REDIRECT_URI,
  requestedCodeCount,
  SCOPES,
  serveBench,
  USER_ID,
} from '../subject.ts';

const count = requestedCodeCount();
const directory = mkdtempSync(join(tmpdir(), 'codegrant-bench-'));
const store: Store =
  process.env.BENCH_CODEGRANT_STORE === 'memory'
    ? new MemoryStore()
    : await openSqliteStore(join(directory, 'codegrant.db'));
const port = await findFreePort();
const server = await createAuthorizationServer({
  issuer: `http://127.0.0.1:${port}`,
  store,
  // One log line per request would measure the logger, not the server.
  logger: () => {},
  lifetimes: { code: CODE_LIFETIME_SECONDS },
});

const now = Math.floor(Date.now() / 1000);
await store.insertUser({
  id: USER_ID,
  username: 'bench',
  passwordHash: await hashPassword('bench-password'),
  email: null,
  emailVerified: false,
  name: 'Bench User',
  createdAt: now,
  updatedAt: now,
});
await store.insertClient({
  clientId: CLIENT_ID,
  clientSecretHash: sha256(CLIENT_SECRET),
  name: 'Bench client',
  redirectUris: [REDIRECT_URI],
  postLogoutRedirectUris: [],
  grantTypes: ['authorization_code'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  firstParty: true,
  idTokenSignedResponseAlg: 'ES256',
  alwaysIssueRefreshToken: false,
  allowMissingPkce: false,
  jwks: null,
  jwksUri: null,
  dpopBoundAccessTokens: false,
  registrationAccessTokenHash: null,
  metadata: {},
  createdAt: now,
});

const codeChallenge = await calculatePKCECodeChallenge(CODE_VERIFIER);
const codes: string[] = [];
for (let i = 0; i < count; i++) {
  const code = randomToken();
  codes.push(code);
  await store.insertGrant({
    id: randomToken(16),
    clientId: CLIENT_ID,
    userId: USER_ID,
    scopes: [...SCOPES],
    authTime: now,
    nonce: null,
    redirectUri: REDIRECT_URI,
    codeHash: sha256(code),
    codeChallenge,
    resources: [],
    dpopJkt: null,
    codeExpiresAt: now + CODE_LIFETIME_SECONDS,
    codeConsumedAt: null,
    revokedAt: null,
    createdAt: now,
    expiresAt: now + CODE_LIFETIME_SECONDS,
  });
}

// No periodic sweep: the run is shorter than its interval, and a sweep mid-run would only add noise.
const http = await serve(server, { port, hostname: '127.0.0.1', sweepIntervalSeconds: 0 });
await serveBench({ port, codes }, async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

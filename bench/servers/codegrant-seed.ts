/**
 * What every codegrant subject shares, whatever its store: the server's options, and the bench's
 * user, client and pre-minted codes written straight into the store, the way
 * `authorize/issue-code.ts` stores them.
 */
import { calculatePKCECodeChallenge, randomToken } from '@codegrant/protocol';
import {
  type AuthorizationServerOptions,
  hashPassword,
  newClientRecord,
  type Store,
  sha256,
} from '@codegrant/server';
import type { ServeOptions } from '@codegrant/server/node';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CODE_LIFETIME_SECONDS,
  CODE_VERIFIER,
  REDIRECT_URI,
  SCOPES,
  USER_ID,
} from '../subject.ts';

/** Grants inserted at once: PostgreSQL pipelines them over the pool instead of one round trip each. */
const INSERT_BATCH = 200;

/** The options of every codegrant subject's server. */
export function benchServerOptions(issuer: string, store: Store): AuthorizationServerOptions {
  return {
    issuer,
    store,
    // One log line per request would measure the logger, not the server.
    logger: () => {},
    lifetimes: { code: CODE_LIFETIME_SECONDS },
    // The product's defaults otherwise: the audit log is on (every exchange records an event);
    // metrics only for the codegrant-metrics subject.
    metrics: process.env.BENCH_METRICS === '1',
  };
}

/**
 * How every codegrant subject listens. No periodic sweep: the run is shorter than its interval,
 * and a sweep mid-run would only add noise.
 */
export function benchServeOptions(port: number): ServeOptions {
  return { port, hostname: '127.0.0.1', sweepIntervalSeconds: 0 };
}

/** Stores the bench's user and client, then `count` codes, one grant each; returns the codes. */
export async function seedStore(store: Store, count: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  await store.insertUser({
    id: USER_ID,
    username: 'bench',
    passwordHash: await hashPassword('bench-password'),
    email: null,
    emailVerified: false,
    name: 'Bench User',
    admin: false,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await store.insertClient(
    newClientRecord({
      clientId: CLIENT_ID,
      clientSecretHash: sha256(CLIENT_SECRET),
      name: 'Bench client',
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code'],
      firstParty: true,
      createdAt: now,
    }),
  );

  const codeChallenge = await calculatePKCECodeChallenge(CODE_VERIFIER);
  const codes = Array.from({ length: count }, () => randomToken());
  for (let start = 0; start < count; start += INSERT_BATCH) {
    await Promise.all(
      codes.slice(start, start + INSERT_BATCH).map((code) =>
        store.insertGrant({
          id: randomToken(16),
          clientId: CLIENT_ID,
          userId: USER_ID,
          scopes: [...SCOPES],
          authTime: now,
          amr: ['pwd'],
          nonce: null,
          redirectUri: REDIRECT_URI,
          codeHash: sha256(code),
          codeChallenge,
          resources: [],
          dpopJkt: null,
          claims: null,
          sid: null,
          codeExpiresAt: now + CODE_LIFETIME_SECONDS,
          codeConsumedAt: null,
          revokedAt: null,
          createdAt: now,
          expiresAt: now + CODE_LIFETIME_SECONDS,
        }),
      ),
    );
  }
  return codes;
}

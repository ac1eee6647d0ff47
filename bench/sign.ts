/**
 * Micro-benchmark behind the server's choice in `tokens/sign-jwt.ts`: ES256 JWT signing with
 * `jose` (WebCrypto) against the server's `signJwt` (`crypto.sign` with a callback, on libuv's
 * thread pool, `ieee-p1363` signatures), same key, same claims, one at a time and 64 in flight.
 */
import { importJWK, SignJWT } from 'jose';
import { createSigningKey, KeySet } from '../packages/server/src/keys/signing-keys.ts';
import { signJwt } from '../packages/server/src/tokens/sign-jwt.ts';

/** Signing throughput, operations per second. */
export interface SignReport {
  /** `jose` SignJWT, one signature awaited at a time (one request's view). */
  joseOpsPerSecond: number;
  /** `jose` SignJWT with 64 signatures in flight, as under 64 concurrent token requests. */
  joseConcurrentOpsPerSecond: number;
  /** The server's `signJwt` (`crypto.sign`), one signature awaited at a time. */
  nodeOpsPerSecond: number;
  /** The server's `signJwt` with 64 signatures in flight. */
  nodeConcurrentOpsPerSecond: number;
  /** `nodeOpsPerSecond / joseOpsPerSecond`. */
  ratio: number;
  /** `nodeConcurrentOpsPerSecond / joseConcurrentOpsPerSecond`. */
  concurrentRatio: number;
}

const WARMUP_MS = 300;
const ROUNDS = 5;
const ROUND_MS = 300;
const CONCURRENCY = 64;

/**
 * Measures the signers in {@link ROUNDS} interleaved rounds and keeps each one's median, so a
 * burst of load elsewhere on the machine hurts one round of each rather than one signer.
 */
export async function runSignBenchmark(): Promise<SignReport> {
  const now = Math.floor(Date.now() / 1000);
  const record = await createSigningKey('ES256', now);
  const nodeKey = new KeySet([record]).signer('ES256');
  const joseKey = await importJWK(JSON.parse(record.privateJwk), 'ES256');
  // The claims of an access token as `tokens/access-token.ts` issues them.
  const claims = {
    iss: 'https://id.example.com',
    sub: 'user-0123456789',
    aud: 'https://id.example.com',
    client_id: 'bench-client',
    iat: now,
    exp: now + 3600,
    jti: 'AAAAAAAAAAAAAAAAAAAAAA',
    scope: 'openid profile',
    auth_time: now,
    gid: 'BBBBBBBBBBBBBBBBBBBBBB',
  };
  const joseSign = () =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: record.kid }).sign(joseKey);
  const nodeSign = () => signJwt(nodeKey, 'at+jwt', claims);

  const signers = {
    jose: { batch: async () => void (await joseSign()), perBatch: 1, samples: [] as number[] },
    joseConcurrent: {
      batch: async () => void (await Promise.all(Array.from({ length: CONCURRENCY }, joseSign))),
      perBatch: CONCURRENCY,
      samples: [] as number[],
    },
    node: { batch: async () => void (await nodeSign()), perBatch: 1, samples: [] as number[] },
    nodeConcurrent: {
      batch: async () => void (await Promise.all(Array.from({ length: CONCURRENCY }, nodeSign))),
      perBatch: CONCURRENCY,
      samples: [] as number[],
    },
  };
  for (const signer of Object.values(signers)) await opsPerSecond(signer.batch, signer.perBatch, WARMUP_MS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const signer of Object.values(signers)) {
      signer.samples.push(await opsPerSecond(signer.batch, signer.perBatch, ROUND_MS));
    }
  }
  const jose = median(signers.jose.samples);
  const joseConcurrent = median(signers.joseConcurrent.samples);
  const node = median(signers.node.samples);
  const nodeConcurrent = median(signers.nodeConcurrent.samples);
  return {
    joseOpsPerSecond: jose,
    joseConcurrentOpsPerSecond: joseConcurrent,
    nodeOpsPerSecond: node,
    nodeConcurrentOpsPerSecond: nodeConcurrent,
    ratio: node / jose,
    concurrentRatio: nodeConcurrent / joseConcurrent,
  };
}

/** Ops/s of `batch` (which performs `perBatch` signatures) over `ms` milliseconds. */
async function opsPerSecond(batch: () => Promise<void>, perBatch: number, ms: number): Promise<number> {
  let operations = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await batch();
    operations += perBatch;
  }
  return operations / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

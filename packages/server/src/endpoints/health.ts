import type { ServerContext } from '../context.ts';
import { jsonNoStore } from '../http/responses.ts';
import { SIGNING_ALGS } from '../keys/signing-keys.ts';

/** A store that does not answer within this long counts as unreachable. */
const STORE_TIMEOUT_MS = 2000;

/** Where a process stands for its load balancer. */
export interface Readiness {
  /** Set once shutdown began: the balancer should send its requests elsewhere. */
  draining: boolean;
}

/**
 * `GET /healthz`: liveness. The process runs its event loop and answers; nothing else is checked,
 * so a slow database never gets a healthy process restarted.
 */
export function livenessEndpoint(): () => Response {
  return () => jsonNoStore({ status: 'ok' });
}

/**
 * `GET /readyz`: readiness. 200 when the store answers (within 2 s), a key of every signing
 * algorithm is loaded and the process is not shutting down; else 503 with the failed checks.
 * Answers say `ok` or `failed` per check, never an error message (it may name hosts or users).
 */
export function readinessEndpoint(
  context: Pick<ServerContext, 'store' | 'keys' | 'logger'>,
  readiness: Readiness,
): () => Promise<Response> {
  return async () => {
    const store = await storeAnswers(context);
    const loaded = context.keys.signingAlgs;
    const keys = SIGNING_ALGS.every((alg) => loaded.includes(alg));
    const checks = {
      store: store ? 'ok' : 'failed',
      signing_keys: keys ? 'ok' : 'failed',
      shutdown: readiness.draining ? 'in progress' : 'no',
    };
    const ready = store && keys && !readiness.draining;
    return jsonNoStore({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  };
}

async function storeAnswers(context: Pick<ServerContext, 'store' | 'logger'>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
  });
  try {
    await Promise.race([context.store.ping(), timeout]);
    return true;
  } catch (error) {
    context.logger({ level: 'error', msg: 'readiness: the store does not answer', error: String(error) });
    return false;
  } finally {
    clearTimeout(timer);
  }
}

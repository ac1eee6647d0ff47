/**
 * OpenID Connect Back-Channel Logout 1.0, the OP side: when a session ends, every client that
 * signed in through it and registered a `backchannel_logout_uri` is sent a logout token, server to
 * server, so it can end its own session of the user too.
 *
 * Who to tell is in the store (`session_clients`): a row per client and session, written when the
 * client was given a code in that session. The store methods that end sessions (sign-out at the
 * end-session endpoint, the account page, the console, disabling, deleting, a password reset or
 * change, the CLI) mark the rows due in the same transaction, so a logout owed is never lost:
 * not to a crash, nor to a restart, nor to another process having ended the session. This module
 * delivers what is due, off the request that ended the session (which never waits for it).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ServerContext } from '../context.ts';
import { guardedLookup, privateLiteral } from '../registration/safe-fetch.ts';
import type { SessionClientRecord } from '../store/store.ts';
import { issueLogoutToken } from '../tokens/logout-token.ts';

/** Settings of back-channel logout (option `backchannelLogout`). */
export interface BackchannelLogoutOptions {
  /** Seconds a relying party has to answer one delivery, connection included (default 5). */
  timeoutSeconds?: number;
  /**
   * Development only: also deliver to loopback and private addresses for clients that registered
   * themselves (RFC 7591). Clients registered by an operator (CLI, console, library) are always
   * delivered to wherever their URI points: relying parties on an internal network are the usual
   * case for server-to-server calls.
   */
  allowPrivateNetworks?: boolean;
}

/** {@link BackchannelLogoutOptions} with the defaults filled in. */
export interface ResolvedBackchannelLogout {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

/** @throws {TypeError} on a timeout that is not a positive number of seconds */
export function resolveBackchannelLogout(
  option: false | BackchannelLogoutOptions | undefined,
): false | ResolvedBackchannelLogout {
  if (option === false) return false;
  const seconds = option?.timeoutSeconds ?? 5;
  if (!(seconds > 0 && seconds <= 60)) {
    throw new TypeError(
      `backchannelLogout.timeoutSeconds must be more than 0 and at most 60, got ${seconds}`,
    );
  }
  return { timeoutMs: seconds * 1000, allowPrivateNetworks: option?.allowPrivateNetworks ?? false };
}

/**
 * Seconds to wait after each failed attempt before the next: 5 s, 30 s, 2 min, 10 min, 1 h, 4 h,
 * 12 h. After the eighth attempt (about 17 hours on) the logout is given up. A relying party that
 * is down for a deploy gets it within seconds of coming back; one down for a day never does.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [5, 30, 120, 600, 3600, 4 * 3600, 12 * 3600];

/** A claimed delivery is another process's to retry only if this one has not settled it by then. */
const LEASE_SECONDS = 60;
/** Deliveries claimed (and sent in parallel) at a time. */
const BATCH_SIZE = 20;
/** At most this much of an answer is read: enough for `{"error": …}`. */
const MAX_ANSWER_BYTES = 4096;

/** How one delivery went. */
type Outcome =
  | { delivered: true; status: number }
  | {
      delivered: false;
      /** Audit reason: `http_503`, `refused`, `timeout`, `network_error`, `private_address`, `not_registered`. */
      reason: string;
      /** Whether another attempt may succeed: not after a refusal (§2.8: 400) or a refused address. */
      retry: boolean;
      status?: number;
      /** The relying party's `error`, when it refused. */
      error?: string;
    };

type Context = Pick<ServerContext, 'store' | 'issuer' | 'keys' | 'audit' | 'now' | 'logger'> & {
  backchannelLogout: false | ResolvedBackchannelLogout;
};

/**
 * Delivers the back-channel logouts that are due, one pass at a time, never in the way of a request:
 * - {@link kick} after a session ended: a pass on the next turn of the event loop;
 * - a timer for the earliest retry this process scheduled;
 * - {@link deliverDue} from the server's sweep and, under `serve`, every 30 s: logouts another
 *   process left (it crashed, or was the CLI, which cannot deliver), and those left from before a
 *   restart.
 *
 * A delivery is a `POST` of `logout_token=…` (form-encoded) to the client's URI, no redirect
 * followed, within the timeout. 2xx is success (§2.8: 200, or 204 from frameworks that drop empty
 * bodies); 400 is the relying party refusing the token, which another copy will not change, so it
 * is not retried; anything else (no answer, 5xx, other statuses) is retried after
 * {@link RETRY_DELAYS_SECONDS}, each time with a new token (new `jti`, `iat`, `exp`). Every outcome is
 * an audit event `backchannel_logout`.
 */
export class BackchannelLogouts {
  readonly #context: Context;
  #chain: Promise<void> = Promise.resolve();
  /** A pass is queued and has not started: it will see whatever is due when it does. */
  #queued = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(context: Context) {
    this.#context = context;
  }

  /** A session ended: deliver what fell due, soon, without holding up the caller. */
  kick(): void {
    if (this.#closed) return;
    setTimeout(() => void this.deliverDue(), 0).unref();
  }

  /** Delivers everything due now (a pass of its own, after the one running); resolves when done. */
  deliverDue(): Promise<void> {
    if (this.#queued || this.#closed) return this.#chain;
    this.#queued = true;
    this.#chain = this.#chain.then(async () => {
      this.#queued = false;
      try {
        await this.#pass();
      } catch (error) {
        this.#context.logger({
          level: 'error',
          msg: 'back-channel logout delivery failed',
          error: String(error),
        });
      }
    });
    return this.#chain;
  }

  /** Stops the timers and waits for the pass under way. Deliveries left are due for the next process. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    await this.#chain;
  }

  async #pass(): Promise<void> {
    for (;;) {
      const now = this.#context.now();
      const claimed = await this.#context.store.claimDueLogouts(now, now + LEASE_SECONDS, BATCH_SIZE);
      await Promise.all(
        claimed.map((entry) =>
          // Unsettled, it falls due again when its lease ends.
          this.#deliver(entry).catch((error: unknown) =>
            this.#context.logger({
              level: 'error',
              msg: 'back-channel logout delivery failed',
              clientId: entry.clientId,
              error: String(error),
            }),
          ),
        ),
      );
      if (claimed.length < BATCH_SIZE || this.#closed) return;
    }
  }

  async #deliver(entry: SessionClientRecord): Promise<void> {
    const { store, now } = this.#context;
    const client = await store.findClient(entry.clientId);
    const uri = client?.backchannelLogoutUri;
    let outcome: Outcome;
    if (!client || !uri) {
      // The client dropped its URI since: there is no one to tell.
      outcome = { delivered: false, reason: 'not_registered', retry: false };
    } else {
      const token = await issueLogoutToken(
        this.#context,
        {
          clientId: client.clientId,
          userId: entry.userId,
          sid: entry.sid,
          alg: client.idTokenSignedResponseAlg,
        },
        now(),
      );
      const settings = this.#context.backchannelLogout || { timeoutMs: 5000, allowPrivateNetworks: false };
      outcome = await postLogoutToken(new URL(uri), token, {
        timeoutMs: settings.timeoutMs,
        // Only an operator vouches for an internal address; a self-registered client could aim our
        // server at anything on our network (SSRF).
        allowPrivateNetworks: client.registrationAccessTokenHash === null || settings.allowPrivateNetworks,
      });
    }
    const delay = RETRY_DELAYS_SECONDS[entry.attempts - 1];
    const retryAt = !outcome.delivered && outcome.retry && delay !== undefined ? now() + delay : null;
    await store.settleLogout(entry.sessionIdHash, entry.clientId, retryAt);
    if (retryAt !== null) this.#retryBy(retryAt);
    this.#context.audit.record({
      type: 'backchannel_logout',
      outcome: outcome.delivered ? 'success' : 'failure',
      userId: entry.userId,
      clientId: entry.clientId,
      reason: outcome.delivered ? null : outcome.reason,
      details: {
        attempt: entry.attempts,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        ...(!outcome.delivered && outcome.error ? { error: outcome.error } : {}),
        ...(outcome.delivered ? {} : retryAt === null ? { final: true } : { retry_at: retryAt }),
      },
    });
  }

  /** Runs a pass at `retryAt` (this process's clock), unless one is already set for sooner. */
  #retryBy(retryAt: number): void {
    if (this.#closed || retryAt >= this.#retryAt) return;
    clearTimeout(this.#retryTimer);
    this.#retryAt = retryAt;
    const ms = Math.max(0, (retryAt - this.#context.now()) * 1000);
    this.#retryTimer = setTimeout(() => {
      this.#retryAt = Number.POSITIVE_INFINITY;
      void this.deliverDue();
    }, ms).unref();
  }
}

/**
 * POSTs `logout_token` to `url` (§2.5): form-encoded, no redirect followed, the whole exchange
 * bounded by `timeoutMs`, at most {@link MAX_ANSWER_BYTES} of the answer read. Never rejects.
 */
export function postLogoutToken(
  url: URL,
  token: string,
  options: { timeoutMs: number; allowPrivateNetworks: boolean },
): Promise<Outcome> {
  const refused = privateLiteral(url);
  if (refused && !options.allowPrivateNetworks) {
    return Promise.resolve({ delivered: false, reason: 'private_address', retry: false });
  }
  const body = new URLSearchParams({ logout_token: token }).toString();
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(outcome);
    };
    const request = send(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(options.allowPrivateNetworks),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return finish({ delivered: true, status });
        const chunks: Buffer[] = [];
        let received = 0;
        const answered = () => finish(failure(status, Buffer.concat(chunks).toString('utf8')));
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          if (received >= MAX_ANSWER_BYTES) answered();
        });
        response.on('end', answered);
        response.on('error', answered);
      },
    );
    const deadline = setTimeout(
      () => finish({ delivered: false, reason: 'timeout', retry: true }),
      options.timeoutMs,
    );
    request.on('error', (error) =>
      finish({
        delivered: false,
        reason: /private address/.test(error.message) ? 'private_address' : 'network_error',
        retry: !/private address/.test(error.message),
      }),
    );
    request.end(body);
  });
}

/** The outcome of a non-2xx answer: 400 is a refusal (§2.8), with the relying party's `error` if it gave one. */
function failure(status: number, text: string): Outcome {
  if (status !== 400) return { delivered: false, reason: `http_${status}`, retry: true, status };
  let error: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') error = parsed.error.slice(0, 100);
  } catch {}
  return { delivered: false, reason: 'refused', retry: false, status, ...(error ? { error } : {}) };
}

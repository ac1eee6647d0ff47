/** setTimeout's limit (about 24.8 days): longer delays fire at once in browsers, so they are clamped. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The two timers of an access token: `expiring` a little before it expires (the automatic renewal
 * starts there), `expired` when it has. "A little" is `notifyBeforeSeconds` (default 60), or half
 * the time left when that is shorter: a token of 5 s is renewed after 2.5 s, not in a loop.
 */
export class AccessTokenTimers {
  readonly #onExpiring: () => void;
  readonly #onExpired: () => void;
  readonly #notifyBeforeSeconds: number;
  #handles: Array<ReturnType<typeof setTimeout>> = [];

  constructor(onExpiring: () => void, onExpired: () => void, notifyBeforeSeconds: number) {
    this.#onExpiring = onExpiring;
    this.#onExpired = onExpired;
    this.#notifyBeforeSeconds = notifyBeforeSeconds;
  }

  /** (Re)starts the timers for a token expiring at `expiresAt` (seconds since the epoch); none if unknown. */
  start(expiresAt: number | undefined): void {
    this.stop();
    if (expiresAt === undefined) return;
    const left = expiresAt * 1000 - Date.now();
    const before = Math.min(this.#notifyBeforeSeconds * 1000, left / 2);
    const later = (ms: number, callback: () => void) => {
      const handle = setTimeout(callback, Math.min(Math.max(ms, 0), MAX_DELAY));
      (handle as { unref?: () => void }).unref?.(); // in Node, do not keep the process alive for them
      this.#handles.push(handle);
    };
    later(left - before, this.#onExpiring);
    later(left, this.#onExpired);
  }

  /** Cancels both timers. */
  stop(): void {
    for (const handle of this.#handles) clearTimeout(handle);
    this.#handles = [];
  }
}

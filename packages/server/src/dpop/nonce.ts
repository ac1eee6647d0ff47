import { createHmac } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { randomValue } from '../tokens/random.ts';

/** How long one nonce is current; the previous one stays accepted as long again. */
const WINDOW_SECONDS = 300;

/**
 * Server-provided DPoP nonces (RFC 9449 §8) without per-nonce state: a nonce is an HMAC of the
 * current five-minute window under a key all processes share (kept in the store), so any process
 * accepts what another handed out. The current and the previous window's nonces are accepted.
 */
export class DpopNonces {
  readonly #key: Promise<string>;

  constructor(store: Store) {
    this.#key = store.sharedValue('dpop-nonce-key', randomValue());
  }

  /** The nonce to hand out now (`DPoP-Nonce` header). */
  async current(now: number): Promise<string> {
    return this.#nonce(await this.#key, Math.floor(now / WINDOW_SECONDS));
  }

  /** The nonces a proof may carry now. */
  async accepted(now: number): Promise<string[]> {
    const key = await this.#key;
    const window = Math.floor(now / WINDOW_SECONDS);
    return [this.#nonce(key, window), this.#nonce(key, window - 1)];
  }

  #nonce(key: string, window: number): string {
    return createHmac('sha256', key).update(String(window)).digest('base64url').slice(0, 32);
  }
}

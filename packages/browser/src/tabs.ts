/** What the tabs of one app (same origin, authority and client) tell each other. */
export type TabMessage =
  /** A refresh token was rotated: `previous` is the SHA-256 of the old one, `user` the renewed user. */
  | { type: 'renewed'; previous: string; user: string }
  /** The user signed out: the SHA-256 of their tokens. */
  | { type: 'signedOut'; tokens: string[] };

/**
 * The tabs of an app: one lock they take turns on (Web Locks API; a queue in this tab where the API
 * is missing, as in insecure contexts) and a `BroadcastChannel` to share renewed users and
 * sign-outs.
 *
 * @see https://w3c.github.io/web-locks/
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#broadcasting-to-other-browsing-contexts
 */
export class Tabs {
  readonly #name: string;
  readonly #channel: BroadcastChannel | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(name: string, onMessage: (message: TabMessage) => void) {
    this.#name = name;
    if (typeof BroadcastChannel === 'function') {
      const channel = new BroadcastChannel(name);
      channel.onmessage = (event) => onMessage(event.data as TabMessage);
      // Node's channels keep the process alive; a page's never do.
      (channel as { unref?: () => void }).unref?.();
      this.#channel = channel;
    }
  }

  /** Runs `task` while no other tab (nor this one) runs a task under the same lock. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
    if (locks) return locks.request(this.#name, task) as Promise<T>;
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Tells the other tabs (never this one). */
  post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }
}

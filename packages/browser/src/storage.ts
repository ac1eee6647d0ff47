/**
 * Where the {@link UserManager} keeps the signed-in user and the sign-ins in progress. Asynchronous,
 * so a store may be IndexedDB, an encrypted wrapper or a native bridge (oidc-client-ts's contract).
 */
export interface StateStore {
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Removes the entry; resolves with what it held. */
  remove(key: string): Promise<string | null>;
  getAllKeys(): Promise<string[]>;
}

/**
 * A `Storage` in memory: the default where there is no `window` (workers, Node, tests), and where
 * nothing must outlive the page.
 *
 * @see https://html.spec.whatwg.org/multipage/webstorage.html#the-storage-interface
 */
export class InMemoryWebStorage implements Storage {
  readonly #data = new Map<string, string>();
  [name: string]: unknown;

  get length(): number {
    return this.#data.size;
  }
  key(index: number): string | null {
    return [...this.#data.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#data.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#data.delete(key);
  }
  clear(): void {
    this.#data.clear();
  }
}

/**
 * `sessionStorage` (this tab only, gone when it closes) when there is a `window` and it is usable,
 * else an {@link InMemoryWebStorage}.
 */
export function defaultWebStorage(): Storage {
  try {
    if (typeof window !== 'undefined' && window.sessionStorage) return window.sessionStorage;
  } catch {
    // Storage disabled (blocked cookies, sandboxed frame): keep going in memory.
  }
  return new InMemoryWebStorage();
}

/**
 * A {@link StateStore} over a Web Storage object (`sessionStorage` by default, `localStorage` to
 * share the user across tabs and restarts), every key prefixed.
 *
 * @see https://html.spec.whatwg.org/multipage/webstorage.html
 */
export class WebStorageStateStore implements StateStore {
  readonly #store: Storage;
  readonly #prefix: string;

  constructor({ prefix = 'cg.', store = defaultWebStorage() }: { prefix?: string; store?: Storage } = {}) {
    this.#store = store;
    this.#prefix = prefix;
  }

  async set(key: string, value: string): Promise<void> {
    this.#store.setItem(this.#prefix + key, value);
  }

  async get(key: string): Promise<string | null> {
    return this.#store.getItem(this.#prefix + key);
  }

  async remove(key: string): Promise<string | null> {
    const value = this.#store.getItem(this.#prefix + key);
    this.#store.removeItem(this.#prefix + key);
    return value;
  }

  async getAllKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < this.#store.length; i++) {
      const key = this.#store.key(i);
      if (key?.startsWith(this.#prefix)) keys.push(key.slice(this.#prefix.length));
    }
    return keys;
  }
}

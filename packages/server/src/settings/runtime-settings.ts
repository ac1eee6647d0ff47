import type { Logger } from '../options.ts';
import type { Store } from '../store/store.ts';

/** How a client may register itself at `/register` (RFC 7591): not at all, freely, or with the initial access token. */
export type RegistrationMode = 'off' | 'open' | 'token';

/** The settings an administrator may change while the server runs (the console's settings page). */
export interface Settings {
  registration: RegistrationMode;
  /** "Create an account" on the login page. */
  signUp: boolean;
}

/** A snapshot older than this is read again from the store (on the next use, in the background). */
const FRESH_FOR_MS = 1000;

/**
 * The settings of the running server: the options it was started with (its flags), overridden by
 * what an administrator saved in the store, which every process sharing the store sees.
 *
 * Reading is synchronous and free: {@link RuntimeSettings.current} returns the last snapshot, and
 * when it is older than a second, reads the store again in the background. So a change saved by
 * another process applies here within about a second; one saved here applies at once.
 */
export class RuntimeSettings {
  readonly #store: Store;
  readonly #defaults: Settings;
  readonly #logger: Logger;
  #snapshot: Settings;
  #readAt = 0;
  #reading: Promise<void> | undefined;

  private constructor(store: Store, defaults: Settings, logger: Logger) {
    this.#store = store;
    this.#defaults = defaults;
    this.#logger = logger;
    this.#snapshot = defaults;
  }

  /** Reads the saved settings once, so the first request already sees them. */
  static async load(store: Store, defaults: Settings, logger: Logger): Promise<RuntimeSettings> {
    const settings = new RuntimeSettings(store, defaults, logger);
    await settings.#read();
    return settings;
  }

  /** The options the server was started with: what "reset" goes back to. */
  get defaults(): Settings {
    return this.#defaults;
  }

  /** The settings now (at most about a second old). */
  get current(): Settings {
    if (Date.now() - this.#readAt > FRESH_FOR_MS) {
      this.#reading ??= this.#read()
        .catch((error: unknown) =>
          this.#logger({ level: 'error', msg: 'reading the settings failed', error: String(error) }),
        )
        .finally(() => {
          this.#reading = undefined;
        });
    }
    return this.#snapshot;
  }

  /**
   * Saves settings for every process; a value equal to the server's option is saved as no
   * override, so the option (flag) applies again.
   */
  async save(changes: Partial<Settings>, now: number): Promise<Settings> {
    for (const [name, value] of Object.entries(changes) as [keyof Settings, Settings[keyof Settings]][]) {
      const same = value === this.#defaults[name];
      await this.#store.saveSetting(name, same ? null : JSON.stringify(value), now);
    }
    await this.#read();
    return this.#snapshot;
  }

  async #read(): Promise<void> {
    const saved = await this.#store.listSettings();
    const registration = parse(saved.registration);
    const signUp = parse(saved.signUp);
    this.#snapshot = {
      registration:
        registration === 'off' || registration === 'open' || registration === 'token'
          ? registration
          : this.#defaults.registration,
      signUp: typeof signUp === 'boolean' ? signUp : this.#defaults.signUp,
    };
    this.#readAt = Date.now();
  }
}

/** A saved value (JSON), or `undefined` when there is none or it cannot be read. */
function parse(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

import type { UserManagerError } from './errors.ts';
import type { User } from './user.ts';

/** The events of a {@link UserManager} and the arguments their listeners receive. */
export interface UserManagerEventMap {
  /** A user was signed in, renewed, or loaded with a fresh token from another tab. */
  userLoaded: [user: User];
  /** The user was removed (`removeUser`, sign-out). */
  userUnloaded: [];
  /** The access token expires soon (`accessTokenExpiringNotificationTimeInSeconds`). */
  accessTokenExpiring: [];
  /** The access token has expired. */
  accessTokenExpired: [];
  /** An automatic renewal failed. */
  silentRenewError: [error: UserManagerError];
  /** The identity provider no longer knows the session (renewal refused, or signed out in another tab). */
  userSignedOut: [];
}

/** A listener of event `K`. */
export type Listener<K extends keyof UserManagerEventMap> = (
  ...args: UserManagerEventMap[K]
) => void | Promise<void>;

let emitTo: <K extends keyof UserManagerEventMap>(
  events: UserManagerEvents,
  name: K,
  ...args: UserManagerEventMap[K]
) => void;

/**
 * The events of a {@link UserManager}. Every `add…` returns the function that removes the listener
 * (the `remove…` methods exist too, for code written against oidc-client-ts). A listener that throws
 * or rejects is reported on the console and does not stop the others.
 */
export class UserManagerEvents {
  readonly #listeners = new Map<string, Set<(...args: never[]) => unknown>>();

  static {
    emitTo = (events, name, ...args) => {
      for (const listener of [...(events.#listeners.get(name) ?? [])]) {
        try {
          Promise.resolve((listener as Listener<typeof name>)(...args)).catch(console.error);
        } catch (err) {
          console.error(err);
        }
      }
    };
  }

  #add<K extends keyof UserManagerEventMap>(name: K, listener: Listener<K>): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    this.#listeners.set(name, set.add(listener));
    return () => this.#remove(name, listener);
  }

  #remove<K extends keyof UserManagerEventMap>(name: K, listener: Listener<K>): void {
    this.#listeners.get(name)?.delete(listener);
  }

  addUserLoaded(listener: Listener<'userLoaded'>): () => void {
    return this.#add('userLoaded', listener);
  }
  removeUserLoaded(listener: Listener<'userLoaded'>): void {
    this.#remove('userLoaded', listener);
  }
  addUserUnloaded(listener: Listener<'userUnloaded'>): () => void {
    return this.#add('userUnloaded', listener);
  }
  removeUserUnloaded(listener: Listener<'userUnloaded'>): void {
    this.#remove('userUnloaded', listener);
  }
  addAccessTokenExpiring(listener: Listener<'accessTokenExpiring'>): () => void {
    return this.#add('accessTokenExpiring', listener);
  }
  removeAccessTokenExpiring(listener: Listener<'accessTokenExpiring'>): void {
    this.#remove('accessTokenExpiring', listener);
  }
  addAccessTokenExpired(listener: Listener<'accessTokenExpired'>): () => void {
    return this.#add('accessTokenExpired', listener);
  }
  removeAccessTokenExpired(listener: Listener<'accessTokenExpired'>): void {
    this.#remove('accessTokenExpired', listener);
  }
  addSilentRenewError(listener: Listener<'silentRenewError'>): () => void {
    return this.#add('silentRenewError', listener);
  }
  removeSilentRenewError(listener: Listener<'silentRenewError'>): void {
    this.#remove('silentRenewError', listener);
  }
  addUserSignedOut(listener: Listener<'userSignedOut'>): () => void {
    return this.#add('userSignedOut', listener);
  }
  removeUserSignedOut(listener: Listener<'userSignedOut'>): void {
    this.#remove('userSignedOut', listener);
  }
}

/** @internal Calls the listeners of `name`, in the order they were added. */
export function emit<K extends keyof UserManagerEventMap>(
  events: UserManagerEvents,
  name: K,
  ...args: UserManagerEventMap[K]
): void {
  emitTo(events, name, ...args);
}

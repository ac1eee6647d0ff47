import { randomState } from '@codegrant/client';
import type { StateStore } from './storage.ts';

/**
 * How a request travels: `r` redirect (this page leaves), `p` popup, `s` silent (hidden iframe).
 * The kind is the first letter of `state`, so the callback page knows, without storage, whether to
 * finish the flow itself or hand the URL to the window that waits (a popup starts with no copy of
 * this tab's `sessionStorage` entries written after it opened).
 */
export type RequestKind = 'r' | 'p' | 's';

/**
 * A sign-in or sign-out in progress: what its answer is checked against. Redirect requests are kept
 * in the state store until their callback (one use) or until stale; popup and silent ones stay in
 * memory, in the window that waits for them.
 */
export interface RequestState {
  /** The `state` parameter (RFC 6749 §10.12), its first letter the {@link RequestKind}. */
  state: string;
  /** When the request started, in seconds since the epoch. */
  created: number;
  /** The app's own state, handed back with the user. */
  data?: unknown;
  /** Sign-in: the PKCE `code_verifier` (RFC 7636). */
  code_verifier?: string;
  /** Sign-in: the ID token must carry this `nonce`. */
  nonce?: string;
  /** Sign-in: the redirect URI of the request, sent again with the code. */
  redirect_uri?: string;
  /** Sign-in: the `max_age` of the request, checked against `auth_time`. */
  max_age?: number;
}

const PREFIX = 'request.';

/** @internal A fresh `state` value for a request of this kind. */
export const newState = (kind: RequestKind): string => `${kind}.${randomState()}`;

/** @internal The kind of a `state` value of ours, or `undefined`. */
export const kindOf = (state: string | null): RequestKind | undefined =>
  /^[rps]\./.test(state ?? '') ? (state![0] as RequestKind) : undefined;

/** @internal Keeps a redirect request until its callback. */
export async function saveRequest(store: StateStore, request: RequestState): Promise<void> {
  await store.set(PREFIX + request.state, JSON.stringify(request));
}

/** @internal Takes (reads and removes: one use) the request a callback's `state` answers. */
export async function takeRequest(store: StateStore, state: string): Promise<RequestState | undefined> {
  const value = await store.remove(PREFIX + state);
  return value ? (JSON.parse(value) as RequestState) : undefined;
}

/**
 * @internal Removes the requests that started more than `maxAgeSeconds` ago (abandoned sign-ins:
 * the user never came back), and those that cannot be read.
 */
export async function clearStaleRequests(store: StateStore, maxAgeSeconds: number): Promise<void> {
  const oldest = Date.now() / 1000 - maxAgeSeconds;
  for (const key of await store.getAllKeys()) {
    if (!key.startsWith(PREFIX)) continue;
    let created: unknown;
    try {
      created = (JSON.parse((await store.get(key)) ?? '') as RequestState).created;
    } catch {}
    if (typeof created !== 'number' || created < oldest) await store.remove(key);
  }
}

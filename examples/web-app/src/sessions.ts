import { randomToken } from '@codegrant/protocol';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { PendingSignIn, Step, TokenSet } from './flow.ts';

/** What the app remembers about one browser. Tokens and PKCE secrets never leave the server. */
export interface DemoSession {
  /** The sign-in in progress: what its callback must match. */
  pending?: PendingSignIn;
  /** Every step so far, for the page. */
  steps: Step[];
  tokens?: TokenSet;
  userinfo?: Record<string, unknown>;
}

const COOKIE_NAME = 'demo_app_session';

/**
 * The app's sessions, in memory (a restart signs everyone out of the app, which suits a demo),
 * each named by a random id in an HttpOnly cookie. A session unused for `ttlSeconds` is forgotten.
 */
export class SessionStore {
  readonly #sessions = new Map<string, { session: DemoSession; expiresAt: number }>();
  readonly #ttlMs: number;

  /** @param ttlSeconds how long an unused session lives (default 8 hours) */
  constructor(ttlSeconds = 8 * 3600) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** The session named by the request's cookie, if it is alive; using it extends its life. */
  get(c: Context): DemoSession | undefined {
    const id = getCookie(c, COOKIE_NAME);
    const entry = id === undefined ? undefined : this.#sessions.get(id);
    if (id === undefined || entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    entry.expiresAt = Date.now() + this.#ttlMs;
    return entry.session;
  }

  /** Starts an empty session for this browser, replacing the one it had, and sets its cookie. */
  start(c: Context): DemoSession {
    this.#forget(c);
    const session: DemoSession = { steps: [] };
    this.#save(c, session);
    return session;
  }

  /** Moves the session to a new id: done at sign-in, so an id planted before it is worthless (session fixation). */
  renew(c: Context, session: DemoSession): void {
    this.#forget(c);
    this.#save(c, session);
  }

  /** Forgets this browser's session and deletes its cookie. */
  end(c: Context): void {
    this.#forget(c);
    deleteCookie(c, COOKIE_NAME, { path: '/' });
  }

  #forget(c: Context): void {
    const id = getCookie(c, COOKIE_NAME);
    if (id !== undefined) this.#sessions.delete(id);
  }

  #save(c: Context, session: DemoSession): void {
    const now = Date.now();
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#sessions.delete(id);
    const id = randomToken();
    this.#sessions.set(id, { session, expiresAt: now + this.#ttlMs });
    // Lax: the cookie comes along on the top-level redirect back from the identity provider.
    setCookie(c, COOKIE_NAME, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: new URL(c.req.url).protocol === 'https:',
    });
  }
}

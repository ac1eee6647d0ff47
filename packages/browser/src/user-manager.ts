import {
  type AuthorizationServer,
  allowHttp,
  type Client,
  type DPoPHandle,
  discoveryRequest,
  type FetchBody,
  processDiscoveryResponse,
  processRevocationResponse,
  protectedResourceRequest,
  revocationRequest,
} from '@codegrant/client';
import type { Context } from './context.ts';
import { fail, UserManagerError, wrap } from './errors.ts';
import { emit, UserManagerEvents } from './events.ts';
import { sha256 } from './hash.ts';
import { postCallback } from './navigators/callback-message.ts';
import { IframeNavigator } from './navigators/iframe.ts';
import type { AuthWindow, Navigators } from './navigators/navigator.ts';
import { PopupNavigator } from './navigators/popup.ts';
import { RedirectNavigator } from './navigators/redirect.ts';
import { onTabMessage, type RenewalHost, renewAcrossTabs } from './renewal.ts';
import {
  clearStaleRequests,
  kindOf,
  type RequestKind,
  type RequestState,
  saveRequest,
  takeRequest,
} from './request-state.ts';
import { allowsHttp, type ResolvedSettings, resolveSettings, type UserManagerSettings } from './settings.ts';
import { completeSignin, createSigninRequest, type SigninArgs } from './sign-in.ts';
import { createSignoutRequest, type SignoutArgs } from './sign-out.ts';
import { Tabs } from './tabs.ts';
import { AccessTokenTimers } from './timers.ts';
import { User } from './user.ts';

/** Answers of a renewal that mean the identity provider's session is gone. */
const SESSION_GONE = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/**
 * Signs the end-user of a single-page app in and out with the OAuth 2.0 authorization code grant
 * (PKCE S256, `state`, `nonce`) as a public client, keeps their tokens and renews them: the API of
 * oidc-client-ts's `UserManager`, with the callback and the ID token fully validated, renewals
 * coordinated across tabs and optional DPoP.
 *
 * ```ts
 * const auth = new UserManager({ authority: 'https://id.example.com', client_id: 'spa',
 *   redirect_uri: `${location.origin}/callback`, scope: 'openid profile offline_access' });
 * if (location.pathname === '/callback') await auth.signinCallback(); // finishes redirect, popup or silent
 * const user = await auth.getUser(); // or: await auth.signinRedirect()
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps
 */
export class UserManager {
  /** The settings, defaults filled in. */
  readonly settings: ResolvedSettings;
  /** `userLoaded`, `accessTokenExpiring`, …: each `add…` returns its unsubscribe function. */
  readonly events: UserManagerEvents = new UserManagerEvents();
  readonly #navigators: Navigators;
  readonly #client: Client;
  readonly #timers: AccessTokenTimers;
  readonly #tabs: Tabs;
  readonly #host: RenewalHost;
  readonly #key: string;
  #metadata: Promise<AuthorizationServer> | undefined;
  #dpop: Promise<DPoPHandle> | undefined;
  #renewal: Promise<User> | undefined;
  /** The user the timers run for: the last one loaded or announced. */
  #current: User | null = null;

  /**
   * @param navigators replace the redirect, popup or iframe navigator (tests, WebViews)
   * @throws {TypeError} a required setting is missing
   */
  constructor(settings: UserManagerSettings, navigators: Partial<Navigators> = {}) {
    const s = resolveSettings(settings);
    this.settings = s;
    this.#navigators = {
      redirect: new RedirectNavigator(),
      popup: new PopupNavigator(s.popupWindowFeatures),
      iframe: new IframeNavigator(s.silentRequestTimeoutInSeconds),
      ...navigators,
    };
    this.#client = {
      client_id: s.client_id,
      client_secret: s.client_secret,
      token_endpoint_auth_method: s.token_endpoint_auth_method,
    };
    this.#timers = new AccessTokenTimers(
      () => this.#expiring(),
      () => emit(this.events, 'accessTokenExpired'),
      s.accessTokenExpiringNotificationTimeInSeconds,
    );
    this.#key = `${s.authority} ${s.client_id}`;
    this.#host = {
      read: () => this.#read(),
      adopt: async (user) => {
        await this.storeUser(user);
        this.#announce(user);
      },
      current: () => this.#current,
      signedOut: async () => {
        await this.removeUser();
        emit(this.events, 'userSignedOut');
      },
      context: () => this.#context(),
    };
    this.#tabs = new Tabs(`codegrant ${this.#key}`, (message) => void onTabMessage(this.#host, message));
  }

  /**
   * The signed-in user from the user store, or `null`. Starts the access token timers (and so the
   * automatic renewal) for them; `userLoaded` is not raised.
   */
  async getUser(): Promise<User | null> {
    const user = await this.#read();
    if (user?.access_token !== this.#current?.access_token) {
      this.#current = user;
      if (user) this.#timers.start(user.expires_at);
      else this.#timers.stop();
    }
    return user;
  }

  /** Writes a user to the user store (`null` removes it); raises no event. */
  async storeUser(user: User | null): Promise<void> {
    if (user) await this.settings.userStore.set(this.#key, new User(user).toStorageString());
    else await this.settings.userStore.remove(this.#key);
  }

  /** Removes the user from the store and stops its timers; raises `userUnloaded`. */
  async removeUser(): Promise<void> {
    await this.storeUser(null);
    this.#current = null;
    this.#timers.stop();
    emit(this.events, 'userUnloaded');
  }

  /**
   * Sends this page to the identity provider; the flow ends in {@link signinCallback} on
   * `redirect_uri`. Resolves once the navigation has started.
   */
  async signinRedirect(args: SigninArgs = {}): Promise<void> {
    const window = this.#navigators.redirect.prepare();
    await this.clearStaleState();
    const { url, request } = await this.#signinRequest('r', this.settings.redirect_uri, args);
    await saveRequest(this.settings.stateStore, request);
    void window.navigate(url);
  }

  /**
   * Signs in in a popup, this page staying as it is. Call it from a click handler (the popup opens
   * before anything else happens, or the browser blocks it).
   *
   * @throws {UserManagerError} `ERR_POPUP_BLOCKED`, `ERR_POPUP_CLOSED`, or a failed check
   */
  async signinPopup(args: SigninArgs = {}): Promise<User> {
    const window = this.#navigators.popup.prepare();
    return this.#signinIn(window, 'p', this.settings.popup_redirect_uri, args);
  }

  /**
   * Renews the user without showing anything: with the refresh token when there is one (one tab at
   * a time: the others take the renewed user), else — or when the identity provider refused it
   * (`invalid_grant`) — in a hidden iframe with `prompt=none`, which needs the identity provider's
   * session cookie.
   *
   * @throws {UserManagerError} e.g. `ERR_AUTHORIZATION_ERROR` with `error` `login_required`
   */
  async signinSilent(args: SigninArgs = {}): Promise<User> {
    const user = await this.#read();
    if (user?.refresh_token) {
      try {
        return await this.#refresh(user);
      } catch (err) {
        if ((err as UserManagerError).error !== 'invalid_grant') throw err;
      }
    }
    const window = this.#navigators.iframe.prepare();
    return this.#signinIn(window, 's', this.settings.silent_redirect_uri, { ...args, prompt: 'none' });
  }

  /**
   * Finishes the sign-in this page is the callback of. A redirect: checks the answer, redeems the
   * code, stores the user and resolves with it. A popup or an iframe: hands the URL to the window
   * that waits for it (same origin only; it closes the popup) and resolves with `undefined`.
   *
   * @param url the callback URL (default this page's)
   * @throws {UserManagerError} `ERR_STATE_MISMATCH` (no sign-in of this tab has this `state`),
   *   `ERR_ISS_MISMATCH`, `ERR_AUTHORIZATION_ERROR` (with the server's `error`), `ERR_JWT_*`, …
   */
  async signinCallback(url: string = location.href): Promise<User | undefined> {
    const state = new URL(url).searchParams.get('state');
    if (this.#handOver(kindOf(state), url)) return undefined;
    await this.clearStaleState();
    const request = kindOf(state) === 'r' ? await takeRequest(this.settings.stateStore, state!) : undefined;
    if (!request) {
      throw new UserManagerError(
        'ERR_STATE_MISMATCH',
        `authorization response state ${JSON.stringify(state)}: no sign-in of this tab is waiting for it (answered already, stale, or not ours)`,
      );
    }
    return this.#finishSignin(url, request);
  }

  /**
   * Signs out at the identity provider (RP-initiated logout) in this page: the user is removed, the
   * other tabs holding the same tokens are told, and the browser goes to the end-session endpoint,
   * then to `post_logout_redirect_uri` ({@link signoutCallback} there).
   */
  async signoutRedirect(args: SignoutArgs = {}): Promise<void> {
    const window = this.#navigators.redirect.prepare();
    const { url, request } = await this.#signoutRequest('r', this.settings.post_logout_redirect_uri, args);
    if (request) await saveRequest(this.settings.stateStore, request);
    void window.navigate(url);
  }

  /**
   * Signs out at the identity provider in a popup (which needs a post-logout redirect URI whose page
   * calls {@link signoutCallback}); the user is removed and the other tabs told.
   *
   * @throws {UserManagerError} `ERR_POPUP_BLOCKED`, `ERR_POPUP_CLOSED`, `ERR_STATE_MISMATCH`
   */
  async signoutPopup(args: SignoutArgs = {}): Promise<void> {
    const window = this.#navigators.popup.prepare();
    try {
      const uri = this.settings.popup_post_logout_redirect_uri ?? this.settings.post_logout_redirect_uri;
      if (!uri)
        throw new TypeError('signoutPopup needs popup_post_logout_redirect_uri or post_logout_redirect_uri');
      const { url, request } = await this.#signoutRequest('p', uri, args);
      const state = new URL(await window.navigate(url)).searchParams.get('state');
      if (state !== request!.state) {
        fail(
          'ERR_STATE_MISMATCH',
          `logout response state: expected ${request!.state}, got ${JSON.stringify(state)}`,
        );
      }
    } catch (err) {
      throw wrap(err);
    } finally {
      window.close();
    }
  }

  /**
   * Finishes a sign-out on the post-logout redirect page: a popup hands its URL to its opener and
   * resolves with `undefined`; after a redirect, resolves with the app's `state` of
   * {@link signoutRedirect}.
   *
   * @throws {UserManagerError} `ERR_STATE_MISMATCH`, `ERR_NOT_A_CALLBACK`
   */
  async signoutCallback(url: string = location.href): Promise<{ state: unknown } | undefined> {
    const state = new URL(url).searchParams.get('state');
    if (this.#handOver(kindOf(state), url)) return undefined;
    const request = state && (await takeRequest(this.settings.stateStore, state));
    if (!request)
      fail(
        'ERR_STATE_MISMATCH',
        `logout response state ${JSON.stringify(state)}: no sign-out is waiting for it`,
      );
    return { state: request.data };
  }

  /**
   * Revokes the user's tokens at the identity provider (RFC 7009) and forgets the refresh token;
   * raises `userLoaded` with what remains.
   *
   * @throws {UserManagerError} `ERR_NO_USER`, `ERR_MISSING_METADATA` (no revocation endpoint), `ERR_SERVER_ERROR`
   * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
   */
  async revokeTokens(
    types: Array<'access_token' | 'refresh_token'> = ['access_token', 'refresh_token'],
  ): Promise<void> {
    try {
      const user = await this.#read();
      if (!user) fail('ERR_NO_USER', 'revokeTokens: no user is signed in');
      const { as, client, http } = await this.#context();
      for (const type of types) {
        const token = user[type];
        if (!token) continue;
        const options = { ...http, additionalParameters: { token_type_hint: type } };
        await processRevocationResponse(await revocationRequest(as, client, token, options));
        if (type === 'refresh_token') user.refresh_token = undefined;
      }
      await this.storeUser(user);
      this.#announce(user);
    } catch (err) {
      throw wrap(err);
    }
  }

  /**
   * Calls a protected resource with the access token: `Authorization: Bearer …`, or with DPoP
   * `Authorization: DPoP …` and a proof bound to the token (retried once when the resource asks for a
   * nonce). The response is returned as it is.
   *
   * @throws {UserManagerError} `ERR_NO_USER`
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
   */
  async fetchProtectedResource(url: string | URL, init: RequestInit = {}): Promise<Response> {
    try {
      const user = await this.getUser();
      if (!user) fail('ERR_NO_USER', 'fetchProtectedResource: no user is signed in');
      const target = new URL(url, globalThis.location?.href);
      const DPoP = await this.#dpopHandle();
      const options = { [allowHttp]: allowsHttp(target.href, this.settings), DPoP };
      const send = () =>
        protectedResourceRequest(
          user.access_token,
          init.method ?? 'GET',
          target,
          new Headers(init.headers),
          init.body as FetchBody,
          options,
        );
      const response = await send();
      const retry = DPoP && /use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? '');
      return retry ? send() : response;
    } catch (err) {
      throw wrap(err);
    }
  }

  /** Removes redirect sign-ins and sign-outs older than `staleStateAgeInSeconds` from the state store. */
  clearStaleState(): Promise<void> {
    return clearStaleRequests(this.settings.stateStore, this.settings.staleStateAgeInSeconds);
  }

  /** Passes a popup's or an iframe's callback URL to the window that waits for it. */
  #handOver(kind: RequestKind | undefined, url: string): boolean {
    if (kind !== 'p' && kind !== 's') return false;
    const { opener, parent } = globalThis as { opener?: Window | null; parent?: unknown };
    const target = kind === 'p' ? opener : parent === globalThis ? null : (parent as Window | undefined);
    if (!target)
      fail('ERR_NOT_A_CALLBACK', `this ${kind === 'p' ? 'popup has no opener' : 'page is not in a frame'}`);
    postCallback(target, url);
    return true;
  }

  async #signinIn(
    window: AuthWindow,
    kind: RequestKind,
    redirectUri: string,
    args: SigninArgs,
  ): Promise<User> {
    try {
      const { url, request } = await this.#signinRequest(kind, redirectUri, args);
      return await this.#finishSignin(await window.navigate(url), request);
    } catch (err) {
      throw wrap(err);
    } finally {
      window.close();
    }
  }

  async #signinRequest(kind: RequestKind, redirectUri: string, args: SigninArgs) {
    try {
      return await createSigninRequest(await this.#context(), kind, redirectUri, this.settings, args);
    } catch (err) {
      throw wrap(err);
    }
  }

  async #finishSignin(url: string, request: RequestState): Promise<User> {
    try {
      const user = await completeSignin(await this.#context(), url, request);
      await this.storeUser(user);
      this.#announce(user);
      return user;
    } catch (err) {
      throw wrap(err);
    }
  }

  async #signoutRequest(kind: RequestKind, uri: string | undefined, args: SignoutArgs) {
    try {
      const user = await this.#read();
      const signout = createSignoutRequest(await this.#context(), kind, uri, user?.id_token, args);
      await this.removeUser();
      if (user) {
        const tokens = [user.access_token, user.refresh_token].filter((t): t is string => !!t);
        this.#tabs.post({ type: 'signedOut', tokens: await Promise.all(tokens.map(sha256)) });
      }
      return signout;
    } catch (err) {
      throw wrap(err);
    }
  }

  /** Renews with the refresh token, one tab at a time (see `renewal.ts`); concurrent calls share it. */
  #refresh(user: User): Promise<User> {
    this.#renewal ??= renewAcrossTabs(this.#tabs, this.#host, user)
      .catch((err) => {
        throw wrap(err);
      })
      .finally(() => {
        this.#renewal = undefined;
      });
    return this.#renewal;
  }

  #expiring(): void {
    emit(this.events, 'accessTokenExpiring');
    if (!this.settings.automaticSilentRenew) return;
    this.signinSilent().catch((err: UserManagerError) => {
      emit(this.events, 'silentRenewError', err);
      if (SESSION_GONE.has(err.error!)) emit(this.events, 'userSignedOut');
    });
  }

  /** Makes `user` the current one: timers restarted, `userLoaded` raised. */
  #announce(user: User): void {
    this.#current = user;
    this.#timers.start(user.expires_at);
    emit(this.events, 'userLoaded', user);
  }

  async #read(): Promise<User | null> {
    const value = await this.settings.userStore.get(this.#key);
    try {
      return value ? User.fromStorageString(value) : null;
    } catch {
      return null;
    }
  }

  #context(): Promise<Context> {
    const http = { [allowHttp]: allowsHttp(this.settings.authority, this.settings) };
    if (!this.#metadata) {
      const issuer = new URL(this.settings.authority);
      const metadata = this.settings.metadata
        ? Promise.resolve(this.settings.metadata)
        : discoveryRequest(issuer, http).then((response) => processDiscoveryResponse(issuer, response));
      metadata.catch(() => {
        if (this.#metadata === metadata) this.#metadata = undefined; // try again next time
      });
      this.#metadata = metadata;
    }
    return Promise.all([this.#metadata, this.#dpopHandle()]).then(([as, dpop]) => ({
      as,
      client: this.#client,
      http,
      dpop,
      loadUserInfo: !!this.settings.loadUserInfo,
    }));
  }

  #dpopHandle(): Promise<DPoPHandle | undefined> {
    const store = this.settings.dpop?.store;
    if (!store) return Promise.resolve(undefined);
    if (!this.#dpop) {
      const handle = store.handle(this.#client, this.#key);
      handle.catch(() => {
        if (this.#dpop === handle) this.#dpop = undefined;
      });
      this.#dpop = handle;
    }
    return this.#dpop;
  }
}

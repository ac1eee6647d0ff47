import type { AuthorizationServer, Client } from '@codegrant/client';
import type { DPoPStore } from './dpop.ts';
import { type StateStore, WebStorageStateStore } from './storage.ts';

/**
 * The settings of a {@link UserManager}. The names are oidc-client-ts's, so existing configuration
 * keeps working; there are fewer of them.
 */
export interface UserManagerSettings {
  /** The identity provider's issuer identifier (discovery at `<authority>/.well-known/openid-configuration`). */
  authority: string;
  client_id: string;
  /** Where the identity provider sends the browser back after `signinRedirect`. */
  redirect_uri: string;
  /** Where the identity provider sends the browser back after `signoutRedirect`. */
  post_logout_redirect_uri?: string | undefined;
  /** The scope of sign-ins (default `openid`; add `offline_access` for a refresh token). Must have `openid`. */
  scope?: string | undefined;
  /** The redirect URI of `signinPopup` (default `redirect_uri`). */
  popup_redirect_uri?: string | undefined;
  /** The post-logout redirect URI of `signoutPopup` (default `post_logout_redirect_uri`). */
  popup_post_logout_redirect_uri?: string | undefined;
  /** The redirect URI of the `prompt=none` iframe of `signinSilent` (default `redirect_uri`). */
  silent_redirect_uri?: string | undefined;
  /** The `features` of `window.open` for popups. */
  popupWindowFeatures?: string | undefined;
  /** How long `signinSilent`'s iframe may take (default 10 s). */
  silentRequestTimeoutInSeconds?: number | undefined;
  /** Renew the access token before it expires: refresh token, else an iframe with `prompt=none` (default true). */
  automaticSilentRenew?: boolean | undefined;
  /** How long before expiry `accessTokenExpiring` fires and the renewal starts (default 60 s). */
  accessTokenExpiringNotificationTimeInSeconds?: number | undefined;
  /** Sign-ins started longer ago than this are dropped from the state store (default 900 s). */
  staleStateAgeInSeconds?: number | undefined;
  /** Where the user is kept (default `sessionStorage`; in memory without `window`). */
  userStore?: StateStore | undefined;
  /** Where redirect sign-ins in progress are kept (default `sessionStorage`; in memory without `window`). */
  stateStore?: StateStore | undefined;
  /**
   * After each sign-in and renewal, complete `profile` with the claims of the UserInfo endpoint
   * (`name`, `email`, …; its `sub` must be the ID token's). Default false, as in oidc-client-ts; turn
   * it on with identity providers whose ID tokens carry only the protocol claims (codegrant's do).
   */
  loadUserInfo?: boolean | undefined;
  /** More authorization request parameters (`ui_locales`, `acr_values`, `resource`, …). */
  extraQueryParams?: Record<string, string> | undefined;
  /** The identity provider's metadata, to skip discovery. */
  metadata?: AuthorizationServer | undefined;
  /**
   * Sender-constrain the tokens with DPoP (RFC 9449): `{ store: new IndexedDbDPoPStore() }` — a
   * non-extractable ECDSA P-256 key kept in IndexedDB signs a proof for every token request and
   * every `fetchProtectedResource`, and the code is bound to it (`dpop_jkt`).
   */
  dpop?: { store: DPoPStore } | undefined;
  /**
   * Confidential mode: a browser cannot keep a secret (anyone can read it in the bundle), so this
   * exists only because the protocol allows it, and a warning says so.
   */
  client_secret?: string | undefined;
  /** How a confidential client authenticates (default `client_secret_basic`). */
  token_endpoint_auth_method?: Client['token_endpoint_auth_method'];
  /**
   * Allow `http:` for the identity provider. Loopback addresses (`localhost`, `127.0.0.1`, `[::1]`)
   * are always allowed, for development; anything else must be named here.
   */
  allowInsecureRequests?: boolean | undefined;
}

/** @internal The settings with the defaults filled in. */
export type ResolvedSettings = Required<
  Pick<
    UserManagerSettings,
    | 'authority'
    | 'client_id'
    | 'redirect_uri'
    | 'scope'
    | 'popup_redirect_uri'
    | 'silent_redirect_uri'
    | 'popupWindowFeatures'
    | 'silentRequestTimeoutInSeconds'
    | 'automaticSilentRenew'
    | 'accessTokenExpiringNotificationTimeInSeconds'
    | 'staleStateAgeInSeconds'
    | 'userStore'
    | 'stateStore'
  >
> &
  UserManagerSettings;

const LOOPBACK = /^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?(?:\/|$)/;

/** @internal Whether `http:` may be used for this URL: on loopback, or when the settings allow it. */
export const allowsHttp = (url: string, settings: UserManagerSettings): boolean =>
  !!settings.allowInsecureRequests || LOOPBACK.test(url);

/** @internal Whether a scope asks for OpenID Connect. */
export const hasOpenId = (scope: string): boolean => scope.split(' ').includes('openid');

/**
 * @internal Checks the settings and fills in the defaults.
 *
 * @throws {TypeError} a required setting is missing, or the scope lacks `openid`
 */
export function resolveSettings(settings: UserManagerSettings): ResolvedSettings {
  for (const name of ['authority', 'client_id', 'redirect_uri'] as const) {
    if (typeof settings[name] !== 'string' || !settings[name]) throw new TypeError(`${name} is required`);
  }
  const scope = settings.scope ?? 'openid';
  if (!hasOpenId(scope)) throw new TypeError(`scope must include openid, got "${scope}"`);
  if (settings.client_secret) {
    console.warn(
      '@codegrant/browser: client_secret is set, but a browser cannot keep a secret: anyone can read it ' +
        'in your bundle. Register the app as a public client (PKCE protects its codes) and remove it.',
    );
  }
  const store = settings.userStore ?? new WebStorageStateStore();
  return {
    ...settings,
    scope,
    popup_redirect_uri: settings.popup_redirect_uri ?? settings.redirect_uri,
    silent_redirect_uri: settings.silent_redirect_uri ?? settings.redirect_uri,
    popupWindowFeatures: settings.popupWindowFeatures ?? 'popup,width=500,height=640',
    silentRequestTimeoutInSeconds: settings.silentRequestTimeoutInSeconds ?? 10,
    automaticSilentRenew: settings.automaticSilentRenew ?? true,
    accessTokenExpiringNotificationTimeInSeconds: settings.accessTokenExpiringNotificationTimeInSeconds ?? 60,
    staleStateAgeInSeconds: settings.staleStateAgeInSeconds ?? 900,
    userStore: store,
    stateStore: settings.stateStore ?? store,
  };
}

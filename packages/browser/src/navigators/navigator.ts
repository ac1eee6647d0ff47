/**
 * A window an authorization or logout request runs in: this page (redirect), a popup, or a hidden
 * iframe. Prepared first — a popup must be opened synchronously in the click that asked for it,
 * before any `await` — then sent to the request URL.
 */
export interface AuthWindow {
  /**
   * Sends the window to `url`. Resolves with the URL the identity provider sent it back to (popup,
   * iframe); for a redirect, this page unloads and the promise never settles.
   */
  navigate(url: string): Promise<string>;
  /** Closes the window and stops waiting (idempotent). */
  close(): void;
}

/**
 * Opens an {@link AuthWindow}: the one interface behind redirect, popup and iframe sign-ins
 * (oidc-client-ts's `INavigator`). Replace one in tests or for another platform (a WebView).
 */
export interface Navigator {
  prepare(): AuthWindow;
}

/** The three navigators of a {@link UserManager}. */
export interface Navigators {
  redirect: Navigator;
  popup: Navigator;
  iframe: Navigator;
}

/**
 * `@codegrant/browser`: OpenID Connect sign-in for single-page apps. {@link UserManager} runs the
 * authorization code grant with PKCE as a public client — redirect, popup or silent — validates
 * the callback and the ID token fully, keeps the user, renews their tokens (one tab at a time) and
 * signs them out. Built on `@codegrant/client`'s low-level functions; Web APIs only.
 *
 * @packageDocumentation
 */

export { type DPoPStore, IndexedDbDPoPStore } from './dpop.ts';
export { UserManagerError, type UserManagerErrorCode } from './errors.ts';
export { type Listener, type UserManagerEventMap, UserManagerEvents } from './events.ts';
export { IframeNavigator } from './navigators/iframe.ts';
export type { AuthWindow, Navigator, Navigators } from './navigators/navigator.ts';
export { PopupNavigator } from './navigators/popup.ts';
export { RedirectNavigator } from './navigators/redirect.ts';
export type { UserManagerSettings } from './settings.ts';
export type { SigninArgs } from './sign-in.ts';
export type { SignoutArgs } from './sign-out.ts';
export { InMemoryWebStorage, type StateStore, WebStorageStateStore } from './storage.ts';
export { User, type UserSettings } from './user.ts';
export { UserManager } from './user-manager.ts';

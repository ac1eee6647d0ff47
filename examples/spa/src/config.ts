/** The settings of the example SPA, written into its page by {@link buildSpa}. */
export interface SpaConfig {
  /** The identity provider's issuer identifier. */
  authority: string;
  /** A public client registered with `<origin>/callback` and `<origin>/signed-out`. */
  client_id: string;
  /** Default `openid profile email offline_access`. */
  scope?: string;
  /** The protected endpoint "Call API" calls (default the identity provider's `/userinfo`). */
  api?: string;
  /** Sender-constrain the tokens with DPoP (default false). */
  dpop?: boolean;
  /** Default true. */
  automaticSilentRenew?: boolean;
  /** Complete the profile from UserInfo (`name`, `email`: codegrant's ID tokens carry none); default true. */
  loadUserInfo?: boolean;
}

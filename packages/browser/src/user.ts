import type { IDTokenClaims } from '@codegrant/client';

/** What a {@link User} is made of: the token response, the validated ID token claims, the app's state. */
export interface UserSettings {
  access_token: string;
  /** `Bearer`, or `DPoP` for sender-constrained tokens. */
  token_type: string;
  id_token?: string | undefined;
  refresh_token?: string | undefined;
  scope?: string | undefined;
  /** The claims of the ID token, validated (signature, `iss`, `aud`, `exp`, `nonce`, …). */
  profile: IDTokenClaims;
  /** When the access token expires, in seconds since the epoch. */
  expires_at?: number | undefined;
  /** What the app passed as `state` to the sign-in, back after the round trip. */
  state?: unknown;
}

/**
 * The signed-in end-user and their tokens, as oidc-client-ts's `User`.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
 */
export class User implements UserSettings {
  access_token: string;
  token_type: string;
  id_token?: string | undefined;
  refresh_token?: string | undefined;
  scope?: string | undefined;
  profile: IDTokenClaims;
  expires_at?: number | undefined;
  state?: unknown;

  constructor(settings: UserSettings) {
    this.access_token = settings.access_token;
    this.token_type = settings.token_type;
    this.id_token = settings.id_token;
    this.refresh_token = settings.refresh_token;
    this.scope = settings.scope;
    this.profile = settings.profile;
    this.expires_at = settings.expires_at;
    this.state = settings.state;
  }

  /** Seconds until the access token expires (negative once it has); `undefined` if unknown. */
  get expires_in(): number | undefined {
    return this.expires_at === undefined ? undefined : this.expires_at - Math.floor(Date.now() / 1000);
  }

  /** Whether the access token has expired; `undefined` if its lifetime is unknown. */
  get expired(): boolean | undefined {
    const left = this.expires_in;
    return left === undefined ? undefined : left <= 0;
  }

  /** The granted scopes. */
  get scopes(): string[] {
    return this.scope?.split(' ').filter(Boolean) ?? [];
  }

  /** The JSON kept in the user store. */
  toStorageString(): string {
    return JSON.stringify(this);
  }

  /** A user from {@link User.toStorageString}. */
  static fromStorageString(value: string): User {
    return new User(JSON.parse(value) as UserSettings);
  }
}

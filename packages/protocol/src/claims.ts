/**
 * Standard claims about the end-user (OpenID Connect Core §5.1), as returned by UserInfo and put in
 * ID tokens.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
export interface StandardClaims {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  updated_at?: number;
  [claim: string]: unknown;
}

/**
 * ID token claims (OpenID Connect Core §2).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export interface IDTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  auth_time?: number;
  nonce?: string;
  acr?: string;
  amr?: string[];
  azp?: string;
  at_hash?: string;
  sid?: string;
  [claim: string]: unknown;
}

/**
 * Claims of a JWT access token (RFC 9068 §2.2). `gid` is codegrant's: the grant the token belongs
 * to, so that the server can refuse tokens of a revoked grant.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface JWTAccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  auth_time?: number;
  gid?: string;
  [claim: string]: unknown;
}

/** Which claims each OpenID Connect scope releases (OpenID Connect Core §5.4). */
export const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

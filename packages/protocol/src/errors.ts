/**
 * Error codes of the authorization endpoint (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6;
 * `unmet_authentication_requirements`: OpenID Connect Core Error Code
 * unmet_authentication_requirements 1.0, for an essential `acr` the server cannot meet).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export type AuthorizationErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'interaction_required'
  | 'login_required'
  | 'account_selection_required'
  | 'consent_required'
  | 'invalid_request_uri'
  | 'invalid_request_object'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported'
  | 'invalid_target'
  | 'unmet_authentication_requirements';

/**
 * Error codes of the token endpoint (RFC 6749 §5.2, RFC 8628 §3.5).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_target'
  // The device authorization grant's answers to a poll (RFC 8628 §3.5).
  | 'authorization_pending'
  | 'slow_down'
  | 'access_denied'
  | 'expired_token';

/**
 * Error codes of protected resources such as UserInfo (RFC 6750 §3.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** Error codes of dynamic client registration (RFC 7591 §3.2.2). */
export type RegistrationErrorCode =
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_software_statement'
  | 'unapproved_software_statement';

/** Every OAuth 2.0 / OpenID Connect `error` code codegrant speaks. */
export type OAuthErrorCode =
  | AuthorizationErrorCode
  | TokenErrorCode
  | BearerErrorCode
  | RegistrationErrorCode
  | 'unsupported_token_type';

/**
 * The JSON body of an OAuth error response (RFC 6749 §5.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface OAuthErrorBody {
  error: OAuthErrorCode | (string & {});
  error_description?: string;
  error_uri?: string;
}

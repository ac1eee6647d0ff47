/**
 * Authorization server metadata (RFC 8414 §2) with the OpenID Connect Discovery 1.0 §3 fields.
 * Only the fields codegrant reads or writes are named; others pass through as unknown.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  end_session_endpoint?: string;
  /** RFC 8628 §4: where a device (a CLI, a TV) starts the device authorization grant. */
  device_authorization_endpoint?: string;
  scopes_supported?: string[];
  response_types_supported?: string[];
  response_modes_supported?: string[];
  grant_types_supported?: string[];
  subject_types_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  claims_supported?: string[];
  code_challenge_methods_supported?: string[];
  prompt_values_supported?: string[];
  /** RFC 9207: the server puts `iss` on every authorization response. */
  authorization_response_iss_parameter_supported?: boolean;
  claims_parameter_supported?: boolean;
  request_parameter_supported?: boolean;
  request_uri_parameter_supported?: boolean;
  dpop_signing_alg_values_supported?: string[];
  [field: string]: unknown;
}

/** How a client authenticates at the token endpoint (RFC 7591 §2, OpenID Connect Core §9). */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none';

/**
 * Client metadata (RFC 7591 §2, OpenID Connect Dynamic Client Registration §2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export interface ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  grant_types?: string[];
  response_types?: string[];
  token_endpoint_auth_method?: ClientAuthMethod;
  id_token_signed_response_alg?: string;
  scope?: string;
  /** OpenID Connect Registration §2: `public` (default) or `pairwise` subject identifiers (Core §8). */
  subject_type?: 'public' | 'pairwise' | (string & {});
  /** OpenID Connect Registration §2, §5: an https URL of a JSON array holding every redirect URI of the sector. */
  sector_identifier_uri?: string;
  [field: string]: unknown;
}

/**
 * A successful token endpoint response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface TokenEndpointResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  [field: string]: unknown;
}

import type { AuthorizationServerMetadata } from '@codegrant/protocol';
import { REQUEST_OBJECT_ALGS } from '../authorize/request-object.ts';
import { ASSERTION_ALGS } from '../client-auth/client-assertion.ts';
import type { ServerContext } from '../context.ts';
import { DPOP_ALGS } from '../dpop/verify-proof.ts';
import { DEVICE_CODE } from '../grants/device-code.ts';
import { TOKEN_EXCHANGE } from '../grants/token-exchange.ts';
import { jsonPublic } from '../http/responses.ts';
import { ACR_VALUES } from '../interaction/authentication-methods.ts';
import { SIGNING_ALGS } from '../keys/signing-keys.ts';

/** Client authentication methods with credentials, for every endpoint that authenticates clients. */
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

/** What the metadata document is built from. */
export type MetadataContext = Pick<
  ServerContext,
  | 'issuer'
  | 'scopes'
  | 'registration'
  | 'clientIdMetadataDocuments'
  | 'requirePushedAuthorizationRequests'
  | 'tokenExchange'
  | 'deviceAuthorization'
  | 'pairwiseSubjects'
  | 'backchannelLogout'
>;

/**
 * The server's metadata, the one source of both discovery documents: OpenID Connect Discovery
 * (`/.well-known/openid-configuration`) and RFC 8414 (`/.well-known/oauth-authorization-server`).
 * It states only what the server does.
 */
export function buildMetadata(context: MetadataContext): AuthorizationServerMetadata {
  const { issuer } = context;
  return {
    issuer,
    ...(context.registration !== 'off' ? { registration_endpoint: `${issuer}/register` } : {}),
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    end_session_endpoint: `${issuer}/end-session`,
    ...(context.deviceAuthorization
      ? { device_authorization_endpoint: `${issuer}/device_authorization` }
      : {}),
    scopes_supported: context.scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      ...(context.tokenExchange ? [TOKEN_EXCHANGE] : []),
      ...(context.deviceAuthorization ? [DEVICE_CODE] : []),
    ],
    subject_types_supported: context.pairwiseSubjects === false ? ['public'] : ['public', 'pairwise'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS, 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS, 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'consent'],
    acr_values_supported: [...ACR_VALUES],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'amr',
      'nonce',
      'at_hash',
      ...(context.backchannelLogout ? ['sid'] : []),
      'name',
      'preferred_username',
      'updated_at',
      'email',
      'email_verified',
    ],
    authorization_response_iss_parameter_supported: true,
    pushed_authorization_request_endpoint: `${issuer}/par`,
    require_pushed_authorization_requests: context.requirePushedAuthorizationRequests,
    client_id_metadata_document_supported: context.clientIdMetadataDocuments !== false,
    // OpenID Connect Core §5.5: `userinfo` and `id_token` members, `acr` and `sub` values honoured.
    claims_parameter_supported: true,
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: [...REQUEST_OBJECT_ALGS],
    // OpenID Connect Discovery defaults this one to true: say no explicitly.
    request_uri_parameter_supported: false,
    // Back-Channel Logout 1.0 §2.1: logout tokens always carry sid, and ID tokens of such clients too.
    ...(context.backchannelLogout
      ? { backchannel_logout_supported: true, backchannel_logout_session_supported: true }
      : {}),
  };
}

/**
 * Serves the metadata document (cacheable for 5 minutes), built again only when the registration
 * mode changes (the console's settings): it advertises the registration endpoint while it is open.
 */
export function discoveryEndpoint(
  context: MetadataContext & Pick<ServerContext, 'settings'>,
): () => Response {
  let built: { mode: string; metadata: AuthorizationServerMetadata } | undefined;
  return () => {
    const mode = context.settings.current.registration;
    if (built?.mode !== mode) {
      built = {
        mode,
        metadata: buildMetadata({ ...context, registration: mode === 'token' ? context.registration : mode }),
      };
    }
    return jsonPublic(built.metadata, 300);
  };
}

import type { JWK } from 'jose';
import { OAuthError } from '../errors.ts';
import { backchannelLogoutUriProblem } from './backchannel-logout-uri.ts';
import { redirectUriProblem } from './redirect-uri-policy.ts';
import { sectorIdentifierUriProblem } from './sector-identifier.ts';

/** Client authentication methods a client may register. */
export type RegisteredAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** Client metadata after validation, with the defaults of RFC 7591 §2 filled in. */
export interface ValidatedClientMetadata {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: RegisteredAuthMethod;
  clientName: string | null;
  idTokenSignedResponseAlg: 'ES256' | 'RS256';
  jwks: { keys: JWK[] } | null;
  jwksUri: string | null;
  dpopBoundAccessTokens: boolean;
  requirePushedAuthorizationRequests: boolean;
  /** OpenID Connect Registration §2 `subject_type` (default `public`). */
  subjectType: 'public' | 'pairwise';
  /** OpenID Connect Back-Channel Logout 1.0 §2.2. */
  backchannelLogoutUri: string | null;
  backchannelLogoutSessionRequired: boolean;
  /**
   * Informational members echoed back to the client (`client_uri`, `logo_uri`, `contacts`, …),
   * and `sector_identifier_uri` (it is fetched when the client is pairwise, `sector-identifier.ts`).
   */
  informational: Record<string, unknown>;
}

const AUTH_METHODS = new Set<string>([
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
]);
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);
const URL_MEMBERS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
const STRING_MEMBERS = ['software_id', 'software_version'] as const;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description);
}

/**
 * Validates client metadata sent to the registration endpoint (RFC 7591 §2, §3.2.2): redirect
 * URIs by the same policy as `codegrant clients add` (absolute, no fragment, https, loopback http
 * or a private-use scheme — never `javascript:` or `data:`), only the grants and response types
 * this server implements and consistent with each other, `jwks` xor `jwks_uri` (required for
 * `private_key_jwt`, public keys only), https URLs for the informational links.
 *
 * @throws {OAuthError} `invalid_redirect_uri` or `invalid_client_metadata`, naming the member
 */
export function validateClientMetadata(input: unknown): ValidatedClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidMetadata('the registration request must be a JSON object');
  }
  const metadata = input as Record<string, unknown>;
  const grantTypes = stringList(metadata, 'grant_types') ?? ['authorization_code'];
  const unknownGrant = grantTypes.find((grant) => !GRANT_TYPES.has(grant));
  if (unknownGrant) throw invalidMetadata(`grant_types: ${unknownGrant} is not supported`);
  const responseTypes =
    stringList(metadata, 'response_types') ?? (grantTypes.includes('authorization_code') ? ['code'] : []);
  if (responseTypes.some((type) => type !== 'code'))
    throw invalidMetadata('response_types: only code is supported');
  if (responseTypes.includes('code') !== grantTypes.includes('authorization_code')) {
    throw invalidMetadata(
      'response_types code and grant_types authorization_code go together (RFC 7591 §2.1)',
    );
  }

  const redirectUris = stringList(metadata, 'redirect_uris') ?? [];
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new OAuthError(
      'invalid_redirect_uri',
      'redirect_uris is required for the authorization_code grant',
    );
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', `redirect URI ${uri} ${problem}`);
  }
  const postLogoutRedirectUris = stringList(metadata, 'post_logout_redirect_uris') ?? [];
  for (const uri of postLogoutRedirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw invalidMetadata(`post_logout_redirect_uris: ${uri} ${problem}`);
  }

  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof method !== 'string' || !AUTH_METHODS.has(method)) {
    throw invalidMetadata(`token_endpoint_auth_method ${String(method)} is not supported`);
  }
  if (method === 'none' && grantTypes.includes('client_credentials')) {
    throw invalidMetadata('a client without credentials (none) cannot use the client_credentials grant');
  }
  const { jwks, jwksUri } = keysOf(metadata, method as RegisteredAuthMethod);

  const alg = metadata.id_token_signed_response_alg ?? 'ES256';
  if (alg !== 'ES256' && alg !== 'RS256')
    throw invalidMetadata(`id_token_signed_response_alg must be ES256 or RS256`);
  const clientName = metadata.client_name;
  if (clientName !== undefined && (typeof clientName !== 'string' || clientName.length > 200)) {
    throw invalidMetadata('client_name must be a string of at most 200 characters');
  }
  const dpop = metadata.dpop_bound_access_tokens ?? false;
  if (typeof dpop !== 'boolean') throw invalidMetadata('dpop_bound_access_tokens must be a boolean');
  const requirePar = metadata.require_pushed_authorization_requests ?? false;
  if (typeof requirePar !== 'boolean') {
    throw invalidMetadata('require_pushed_authorization_requests must be a boolean');
  }
  const backchannel = backchannelLogoutOf(metadata, grantTypes);

  const subjectType = metadata.subject_type ?? 'public';
  if (subjectType !== 'public' && subjectType !== 'pairwise') {
    throw invalidMetadata('subject_type must be public or pairwise');
  }
  const informational = informationalMembers(metadata);
  const sectorIdentifierUri = metadata.sector_identifier_uri;
  if (sectorIdentifierUri !== undefined) {
    const problem =
      typeof sectorIdentifierUri === 'string'
        ? sectorIdentifierUriProblem(sectorIdentifierUri)
        : 'must be a string';
    if (problem) throw invalidMetadata(`sector_identifier_uri ${problem}`);
    informational.sector_identifier_uri = sectorIdentifierUri;
  }

  return {
    redirectUris,
    postLogoutRedirectUris,
    grantTypes,
    tokenEndpointAuthMethod: method as RegisteredAuthMethod,
    clientName: clientName ?? null,
    idTokenSignedResponseAlg: alg,
    jwks,
    jwksUri,
    dpopBoundAccessTokens: dpop,
    requirePushedAuthorizationRequests: requirePar,
    subjectType,
    ...backchannel,
    informational,
  };
}

/**
 * `backchannel_logout_uri` by {@link backchannelLogoutUriProblem}, for clients that sign users in
 * (only they have sessions to end); `backchannel_logout_session_required` a boolean, and only with
 * a URI (alone it would promise what no logout token comes to keep).
 */
function backchannelLogoutOf(
  metadata: Record<string, unknown>,
  grantTypes: string[],
): Pick<ValidatedClientMetadata, 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired'> {
  const uri = metadata.backchannel_logout_uri;
  const sessionRequired = metadata.backchannel_logout_session_required ?? false;
  if (typeof sessionRequired !== 'boolean')
    throw invalidMetadata('backchannel_logout_session_required must be a boolean');
  if (uri === undefined) {
    if (sessionRequired)
      throw invalidMetadata('backchannel_logout_session_required needs a backchannel_logout_uri');
    return { backchannelLogoutUri: null, backchannelLogoutSessionRequired: false };
  }
  if (typeof uri !== 'string') throw invalidMetadata('backchannel_logout_uri must be a string');
  const problem = backchannelLogoutUriProblem(uri);
  if (problem) throw invalidMetadata(`backchannel_logout_uri ${uri} ${problem}`);
  if (!grantTypes.includes('authorization_code')) {
    throw invalidMetadata(
      'backchannel_logout_uri needs the authorization_code grant: only clients that sign users in have sessions to end',
    );
  }
  return { backchannelLogoutUri: uri, backchannelLogoutSessionRequired: sessionRequired };
}

function stringList(metadata: Record<string, unknown>, member: string): string[] | undefined {
  const value = metadata[member];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new OAuthError(
      member === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata',
      `${member} must be an array of strings`,
    );
  }
  return [...new Set(value as string[])];
}

function keysOf(
  metadata: Record<string, unknown>,
  method: RegisteredAuthMethod,
): { jwks: { keys: JWK[] } | null; jwksUri: string | null } {
  const { jwks, jwks_uri: jwksUri } = metadata;
  if (jwks !== undefined && jwksUri !== undefined)
    throw invalidMetadata('jwks and jwks_uri cannot both be given (RFC 7591 §2)');
  if (method === 'private_key_jwt' && jwks === undefined && jwksUri === undefined) {
    throw invalidMetadata('private_key_jwt needs the client keys: jwks or jwks_uri');
  }
  if (jwksUri !== undefined) {
    if (typeof jwksUri !== 'string' || !isHttpsUrl(jwksUri))
      throw invalidMetadata('jwks_uri must be an https URL');
    return { jwks: null, jwksUri };
  }
  if (jwks === undefined) return { jwks: null, jwksUri: null };
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    keys.some((key) => typeof key !== 'object' || key === null)
  ) {
    throw invalidMetadata('jwks must be a JWK Set: {"keys": [ … ]}');
  }
  if (keys.some((key) => PRIVATE_JWK_MEMBERS.some((member) => member in key))) {
    throw invalidMetadata('jwks must hold public keys only');
  }
  return { jwks: { keys: keys as JWK[] }, jwksUri: null };
}

function informationalMembers(metadata: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const member of URL_MEMBERS) {
    const value = metadata[member];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !isHttpsUrl(value))
      throw invalidMetadata(`${member} must be an https URL`);
    kept[member] = value;
  }
  for (const member of STRING_MEMBERS) {
    const value = metadata[member];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalidMetadata(`${member} must be a string`);
    kept[member] = value;
  }
  if (metadata.contacts !== undefined) kept.contacts = stringList(metadata, 'contacts');
  return kept;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

import type { ClientRecord } from '../store/store.ts';
import type { ValidatedClientMetadata } from './client-metadata.ts';

/** The client metadata a registration response returns (RFC 7591 §3.2.1, RFC 7592 §3). */
export function registeredMetadata(issuer: string, client: ClientRecord): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    client_id: client.clientId,
    client_id_issued_at: client.createdAt,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests,
    subject_type: client.subjectType,
    registration_client_uri: `${issuer}/register/${encodeURIComponent(client.clientId)}`,
    ...client.metadata,
  };
  if (client.name !== null) metadata.client_name = client.name;
  if (client.postLogoutRedirectUris.length > 0)
    metadata.post_logout_redirect_uris = client.postLogoutRedirectUris;
  if (client.jwks !== null) metadata.jwks = JSON.parse(client.jwks);
  if (client.jwksUri !== null) metadata.jwks_uri = client.jwksUri;
  if (client.backchannelLogoutUri !== null) {
    metadata.backchannel_logout_uri = client.backchannelLogoutUri;
    metadata.backchannel_logout_session_required = client.backchannelLogoutSessionRequired;
  }
  if (client.clientSecretHash !== null) metadata.client_secret_expires_at = 0;
  return metadata;
}

/**
 * The record of a client with these (validated) metadata: registered or updated at the
 * registration endpoint, or described by a Client ID Metadata Document. A pairwise client's
 * sector is left `null`: `withSectorIdentifier` sets it (it may have a document to fetch).
 */
export function clientFromMetadata(
  metadata: ValidatedClientMetadata,
  base: Pick<ClientRecord, 'clientId' | 'clientSecretHash' | 'registrationAccessTokenHash' | 'createdAt'>,
): ClientRecord {
  return {
    ...base,
    name: metadata.clientName,
    redirectUris: metadata.redirectUris,
    postLogoutRedirectUris: metadata.postLogoutRedirectUris,
    grantTypes: metadata.grantTypes,
    tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod,
    // Clients that describe themselves are third parties: they never skip consent or PKCE.
    firstParty: false,
    idTokenSignedResponseAlg: metadata.idTokenSignedResponseAlg,
    alwaysIssueRefreshToken: false,
    allowMissingPkce: false,
    jwks: metadata.jwks ? JSON.stringify(metadata.jwks) : null,
    jwksUri: metadata.jwksUri,
    dpopBoundAccessTokens: metadata.dpopBoundAccessTokens,
    requirePushedAuthorizationRequests: metadata.requirePushedAuthorizationRequests,
    subjectType: metadata.subjectType,
    sectorIdentifier: null,
    backchannelLogoutUri: metadata.backchannelLogoutUri,
    backchannelLogoutSessionRequired: metadata.backchannelLogoutSessionRequired,
    metadata: metadata.informational,
  };
}

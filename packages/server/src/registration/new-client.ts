import type { ClientRecord } from '../store/store.ts';
import { sectorOfRedirectUris } from './sector-identifier.ts';

/**
 * A client record with the defaults filled in, for code that registers clients itself (the CLI,
 * seeding scripts, tests): no secret (public, `none`) unless `clientSecretHash` is given (then
 * `client_secret_basic`), the code and refresh grants, third-party, ES256 ID tokens, PKCE required,
 * no keys, public subjects, created now. Every field can be given. A `pairwise` client without a
 * `sectorIdentifier` gets the host of its redirect URIs (a `sector_identifier_uri` must be fetched
 * first: `resolveSectorIdentifier`).
 *
 * @throws {OAuthError} `invalid_client_metadata` for a pairwise client whose redirect URIs are on several hosts
 */
export function newClientRecord(
  fields: Pick<ClientRecord, 'clientId' | 'redirectUris'> & Partial<ClientRecord>,
): ClientRecord {
  const clientSecretHash = fields.clientSecretHash ?? null;
  const sectorIdentifier =
    fields.subjectType === 'pairwise'
      ? (fields.sectorIdentifier ?? sectorOfRedirectUris(fields.clientId, fields.redirectUris))
      : null;
  return {
    clientSecretHash,
    name: null,
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: clientSecretHash === null ? 'none' : 'client_secret_basic',
    firstParty: false,
    idTokenSignedResponseAlg: 'ES256',
    alwaysIssueRefreshToken: false,
    allowMissingPkce: false,
    jwks: null,
    jwksUri: null,
    dpopBoundAccessTokens: false,
    requirePushedAuthorizationRequests: false,
    subjectType: 'public',
    backchannelLogoutUri: null,
    backchannelLogoutSessionRequired: false,
    registrationAccessTokenHash: null,
    metadata: {},
    createdAt: Math.floor(Date.now() / 1000),
    ...fields,
    sectorIdentifier,
  };
}

import type { ClientRecord } from '../store/store.ts';

/**
 * A client record with the defaults filled in, for code that registers clients itself (the CLI,
 * seeding scripts, tests): no secret (public, `none`) unless `clientSecretHash` is given (then
 * `client_secret_basic`), the code and refresh grants, third-party, ES256 ID tokens, PKCE required,
 * no keys, created now. Every field can be given.
 */
export function newClientRecord(
  fields: Pick<ClientRecord, 'clientId' | 'redirectUris'> & Partial<ClientRecord>,
): ClientRecord {
  const clientSecretHash = fields.clientSecretHash ?? null;
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
    backchannelLogoutUri: null,
    backchannelLogoutSessionRequired: false,
    registrationAccessTokenHash: null,
    metadata: {},
    createdAt: Math.floor(Date.now() / 1000),
    ...fields,
  };
}

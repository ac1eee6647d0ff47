/**
 * The rows of the SQL stores (SQLite and PostgreSQL share the schema of `migrations.ts`) and
 * their mapping to and from the records of `store.ts`: lists and objects as JSON text, booleans as
 * 0/1, times as integer seconds.
 */
import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  AuditEventRecord,
  AuditOutcome,
  ClientRecord,
  DeviceAuthorizationRecord,
  GrantRecord,
  InteractionRecord,
  PasskeyRecord,
  RefreshTokenRecord,
  SessionClientRecord,
  SessionRecord,
  SigningKeyRecord,
  TotpRecord,
  UpstreamIdentityRecord,
  UserRecord,
} from './store.ts';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  admin: number;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface AuditEventRow {
  id: string;
  time: number;
  type: string;
  outcome: AuditOutcome;
  user_id: string | null;
  actor_id: string | null;
  client_id: string | null;
  ip: string | null;
  reason: string | null;
  details: string;
}

export interface AccountTokenRow {
  hash: string;
  purpose: AccountTokenPurpose;
  user_id: string | null;
  email: string;
  name: string | null;
  password_hash: string | null;
  browser_binding_hash: string | null;
  interaction_id: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface ClientRow {
  client_id: string;
  client_secret_hash: string | null;
  name: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  token_endpoint_auth_method: ClientRecord['tokenEndpointAuthMethod'];
  first_party: number;
  id_token_signed_response_alg: ClientRecord['idTokenSignedResponseAlg'];
  always_issue_refresh_token: number;
  allow_missing_pkce: number;
  jwks: string | null;
  jwks_uri: string | null;
  dpop_bound_access_tokens: number;
  registration_access_token_hash: string | null;
  metadata: string;
  created_at: number;
  require_pushed_authorization_requests: number;
  subject_type: ClientRecord['subjectType'];
  sector_identifier: string | null;
  backchannel_logout_uri: string | null;
  backchannel_logout_session_required: number;
}

export interface SigningKeyRow {
  kid: string;
  alg: SigningKeyRecord['alg'];
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface InteractionRow {
  id: string;
  client_id: string;
  parameters: string;
  csrf_token: string;
  browser_binding_hash: string;
  user_id: string | null;
  auth_time: number | null;
  amr: string;
  pending_user_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  auth_time: number;
  amr: string;
  created_at: number;
  expires_at: number;
}

export interface ConsentRow {
  user_id: string;
  client_id: string;
  scopes: string;
  updated_at: number;
}

export interface GrantRow {
  id: string;
  client_id: string;
  user_id: string;
  scopes: string;
  auth_time: number;
  amr: string;
  nonce: string | null;
  redirect_uri: string;
  code_hash: string;
  code_challenge: string | null;
  resources: string;
  dpop_jkt: string | null;
  claims: string | null;
  sid: string | null;
  code_expires_at: number;
  code_consumed_at: number | null;
  revoked_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface RefreshTokenRow {
  hash: string;
  grant_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  rotated_at: number | null;
  dpop_jkt: string | null;
  successor_sealed: string | null;
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    email: row.email,
    emailVerified: row.email_verified === 1,
    name: row.name,
    admin: row.admin === 1,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toUserRow(user: UserRecord): UserRow {
  return {
    id: user.id,
    username: user.username,
    password_hash: user.passwordHash,
    email: user.email,
    email_verified: user.emailVerified ? 1 : 0,
    name: user.name,
    admin: user.admin ? 1 : 0,
    disabled_at: user.disabledAt,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

export function toAccountToken(row: AccountTokenRow): AccountTokenRecord {
  return {
    hash: row.hash,
    purpose: row.purpose,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    browserBindingHash: row.browser_binding_hash,
    interactionId: row.interaction_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
  };
}

export function toAccountTokenRow(token: AccountTokenRecord): AccountTokenRow {
  return {
    hash: token.hash,
    purpose: token.purpose,
    user_id: token.userId,
    email: token.email,
    name: token.name,
    password_hash: token.passwordHash,
    browser_binding_hash: token.browserBindingHash,
    interaction_id: token.interactionId,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    consumed_at: token.consumedAt,
  };
}

export function toClient(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    clientSecretHash: row.client_secret_hash,
    name: row.name,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    grantTypes: JSON.parse(row.grant_types) as string[],
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    firstParty: row.first_party === 1,
    idTokenSignedResponseAlg: row.id_token_signed_response_alg,
    alwaysIssueRefreshToken: row.always_issue_refresh_token === 1,
    allowMissingPkce: row.allow_missing_pkce === 1,
    jwks: row.jwks,
    jwksUri: row.jwks_uri,
    dpopBoundAccessTokens: row.dpop_bound_access_tokens === 1,
    registrationAccessTokenHash: row.registration_access_token_hash,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: row.created_at,
    requirePushedAuthorizationRequests: row.require_pushed_authorization_requests === 1,
    subjectType: row.subject_type,
    sectorIdentifier: row.sector_identifier,
    backchannelLogoutUri: row.backchannel_logout_uri,
    backchannelLogoutSessionRequired: row.backchannel_logout_session_required === 1,
  };
}

/** The row of `client`, every column (the parameters of both the INSERT and the UPDATE). */
export function toClientRow(client: ClientRecord): ClientRow {
  return {
    client_id: client.clientId,
    client_secret_hash: client.clientSecretHash,
    name: client.name,
    redirect_uris: JSON.stringify(client.redirectUris),
    post_logout_redirect_uris: JSON.stringify(client.postLogoutRedirectUris),
    grant_types: JSON.stringify(client.grantTypes),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    first_party: client.firstParty ? 1 : 0,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    always_issue_refresh_token: client.alwaysIssueRefreshToken ? 1 : 0,
    allow_missing_pkce: client.allowMissingPkce ? 1 : 0,
    jwks: client.jwks,
    jwks_uri: client.jwksUri,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens ? 1 : 0,
    registration_access_token_hash: client.registrationAccessTokenHash,
    metadata: JSON.stringify(client.metadata),
    created_at: client.createdAt,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests ? 1 : 0,
    subject_type: client.subjectType,
    sector_identifier: client.sectorIdentifier,
    backchannel_logout_uri: client.backchannelLogoutUri,
    backchannel_logout_session_required: client.backchannelLogoutSessionRequired ? 1 : 0,
  };
}

export interface TotpRow {
  user_id: string;
  secret: string;
  confirmed_at: number | null;
  last_step: number;
  created_at: number;
}

export interface PasskeyRow {
  credential_id: string;
  user_id: string;
  public_key: string;
  counter: number;
  transports: string;
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export function toPasskey(row: PasskeyRow): PasskeyRecord {
  return {
    credentialId: row.credential_id,
    userId: row.user_id,
    publicKey: row.public_key,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    backedUp: row.backed_up === 1,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export function toPasskeyRow(passkey: PasskeyRecord): PasskeyRow {
  return {
    credential_id: passkey.credentialId,
    user_id: passkey.userId,
    public_key: passkey.publicKey,
    counter: passkey.counter,
    transports: JSON.stringify(passkey.transports),
    backed_up: passkey.backedUp ? 1 : 0,
    name: passkey.name,
    created_at: passkey.createdAt,
    last_used_at: passkey.lastUsedAt,
  };
}

export interface UpstreamIdentityRow {
  provider: string;
  subject: string;
  user_id: string;
  email: string | null;
  created_at: number;
  last_used_at: number;
}

export function toUpstreamIdentity(row: UpstreamIdentityRow): UpstreamIdentityRecord {
  return {
    provider: row.provider,
    subject: row.subject,
    userId: row.user_id,
    email: row.email,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export function toUpstreamIdentityRow(identity: UpstreamIdentityRecord): UpstreamIdentityRow {
  return {
    provider: identity.provider,
    subject: identity.subject,
    user_id: identity.userId,
    email: identity.email,
    created_at: identity.createdAt,
    last_used_at: identity.lastUsedAt,
  };
}

export function toTotp(row: TotpRow): TotpRecord {
  return {
    userId: row.user_id,
    secret: row.secret,
    confirmedAt: row.confirmed_at,
    lastStep: row.last_step,
    createdAt: row.created_at,
  };
}

export function toTotpRow(totp: TotpRecord): TotpRow {
  return {
    user_id: totp.userId,
    secret: totp.secret,
    confirmed_at: totp.confirmedAt,
    last_step: totp.lastStep,
    created_at: totp.createdAt,
  };
}

export function toInteraction(row: InteractionRow): InteractionRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    parameters: JSON.parse(row.parameters) as Record<string, string>,
    csrfToken: row.csrf_token,
    browserBindingHash: row.browser_binding_hash,
    userId: row.user_id,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    pendingUserId: row.pending_user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function toInteractionRow(interaction: InteractionRecord): InteractionRow {
  return {
    id: interaction.id,
    client_id: interaction.clientId,
    parameters: JSON.stringify(interaction.parameters),
    csrf_token: interaction.csrfToken,
    browser_binding_hash: interaction.browserBindingHash,
    user_id: interaction.userId,
    auth_time: interaction.authTime,
    amr: JSON.stringify(interaction.amr),
    pending_user_id: interaction.pendingUserId,
    created_at: interaction.createdAt,
    expires_at: interaction.expiresAt,
  };
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function toSessionRow(session: SessionRecord): SessionRow {
  return {
    id_hash: session.idHash,
    user_id: session.userId,
    auth_time: session.authTime,
    amr: JSON.stringify(session.amr),
    created_at: session.createdAt,
    expires_at: session.expiresAt,
  };
}

export function toGrant(row: GrantRow): GrantRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    scopes: JSON.parse(row.scopes) as string[],
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    nonce: row.nonce,
    redirectUri: row.redirect_uri,
    codeHash: row.code_hash,
    codeChallenge: row.code_challenge,
    resources: JSON.parse(row.resources) as string[],
    dpopJkt: row.dpop_jkt,
    claims: row.claims,
    sid: row.sid,
    codeExpiresAt: row.code_expires_at,
    codeConsumedAt: row.code_consumed_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function toRefreshToken(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    hash: row.hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    rotatedAt: row.rotated_at,
    dpopJkt: row.dpop_jkt,
    successorSealed: row.successor_sealed,
  };
}

export function toAuditEvent(row: AuditEventRow): AuditEventRecord {
  return {
    id: row.id,
    time: row.time,
    type: row.type,
    outcome: row.outcome,
    userId: row.user_id,
    actorId: row.actor_id,
    clientId: row.client_id,
    ip: row.ip,
    reason: row.reason,
    details: JSON.parse(row.details) as AuditEventRecord['details'],
  };
}

export function toAuditEventRow(event: AuditEventRecord): AuditEventRow {
  return {
    id: event.id,
    time: event.time,
    type: event.type,
    outcome: event.outcome,
    user_id: event.userId,
    actor_id: event.actorId,
    client_id: event.clientId,
    ip: event.ip,
    reason: event.reason,
    details: JSON.stringify(event.details),
  };
}

export interface DeviceAuthorizationRow {
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  scopes: string;
  resources: string;
  status: string;
  user_id: string | null;
  auth_time: number | null;
  amr: string;
  poll_interval: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export function toDeviceAuthorization(row: DeviceAuthorizationRow): DeviceAuthorizationRecord {
  return {
    deviceCodeHash: row.device_code_hash,
    userCodeHash: row.user_code_hash,
    clientId: row.client_id,
    scopes: JSON.parse(row.scopes) as string[],
    resources: JSON.parse(row.resources) as string[],
    status: row.status as DeviceAuthorizationRecord['status'],
    userId: row.user_id,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    interval: row.poll_interval,
    lastPolledAt: row.last_polled_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
  };
}

export function toDeviceAuthorizationRow(authorization: DeviceAuthorizationRecord): DeviceAuthorizationRow {
  return {
    device_code_hash: authorization.deviceCodeHash,
    user_code_hash: authorization.userCodeHash,
    client_id: authorization.clientId,
    scopes: JSON.stringify(authorization.scopes),
    resources: JSON.stringify(authorization.resources),
    status: authorization.status,
    user_id: authorization.userId,
    auth_time: authorization.authTime,
    amr: JSON.stringify(authorization.amr),
    poll_interval: authorization.interval,
    last_polled_at: authorization.lastPolledAt,
    created_at: authorization.createdAt,
    expires_at: authorization.expiresAt,
    consumed_at: authorization.consumedAt,
  };
}

export interface SessionClientRow {
  session_id_hash: string;
  client_id: string;
  user_id: string;
  sid: string;
  created_at: number;
  expires_at: number;
  next_attempt_at: number | null;
  attempts: number;
}

export function toSessionClient(row: SessionClientRow): SessionClientRecord {
  return {
    sessionIdHash: row.session_id_hash,
    clientId: row.client_id,
    userId: row.user_id,
    sid: row.sid,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    nextAttemptAt: row.next_attempt_at,
    attempts: row.attempts,
  };
}

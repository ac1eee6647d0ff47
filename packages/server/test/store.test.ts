/**
 * One contract, run against every store: what a test proves with the memory store then holds for
 * the SQLite and PostgreSQL ones. SQLite also gets the tests only a file can answer (persistence,
 * migrations, several connections and processes on one file), PostgreSQL those only a shared server
 * can (schemas, migrations started together, redemptions raced from separate connection pools).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MemoryStore } from '../src/store/memory.ts';
import {
  createSchemaMigrationsTable,
  type Migration,
  migrationSql,
  migrations,
} from '../src/store/migrations.ts';
import { openPostgresStore, PostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore, SqliteStore } from '../src/store/sqlite.ts';
import type {
  AccountTokenRecord,
  AuditEventRecord,
  AuditQuery,
  ClientRecord,
  CodeRedemption,
  DeviceAuthorizationRecord,
  DeviceDecision,
  GrantRecord,
  InteractionRecord,
  PasskeyRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SessionClientRecord,
  SessionRecord,
  SigningKeyRecord,
  Store,
  TotpRecord,
  UpstreamIdentityRecord,
  UserRecord,
} from '../src/store/store.ts';
import { startTestPostgres, type TestPostgres } from './helpers/postgres.ts';

const now = 1_700_000_000;
const day = 86_400;

function aUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: 'user-alice',
    username: 'alice',
    passwordHash: 'scrypt$alice',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice',
    admin: false,
    disabledAt: null,
    createdAt: now,
    updatedAt: now + 1,
    ...overrides,
  };
}

function aClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId: 'app',
    clientSecretHash: 'secret-hash',
    name: 'App',
    redirectUris: ['https://app.example/callback', 'http://127.0.0.1/callback'],
    postLogoutRedirectUris: ['https://app.example/'],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    firstParty: true,
    idTokenSignedResponseAlg: 'ES256',
    alwaysIssueRefreshToken: true,
    allowMissingPkce: true,
    jwks: null,
    jwksUri: null,
    dpopBoundAccessTokens: false,
    requirePushedAuthorizationRequests: false,
    subjectType: 'public',
    sectorIdentifier: null,
    backchannelLogoutUri: null,
    backchannelLogoutSessionRequired: false,
    registrationAccessTokenHash: null,
    metadata: {},
    createdAt: now,
    ...overrides,
  };
}

function aSigningKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid: 'key-1',
    alg: 'ES256',
    privateJwk: '{"kty":"EC","d":"private"}',
    publicJwk: '{"kty":"EC"}',
    createdAt: now,
    retiredAt: null,
    ...overrides,
  };
}

function anInteraction(overrides: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id: 'interaction-1',
    clientId: 'app',
    parameters: { response_type: 'code', scope: 'openid profile', state: 'a "quoted" state' },
    csrfToken: 'csrf',
    browserBindingHash: 'binding-hash',
    userId: null,
    authTime: null,
    amr: [],
    pendingUserId: null,
    createdAt: now,
    expiresAt: now + 600,
    ...overrides,
  };
}

function aSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: 'session-hash',
    userId: 'user-alice',
    authTime: now,
    amr: ['pwd'],
    createdAt: now,
    expiresAt: now + day,
    ...overrides,
  };
}

function aDeviceAuthorization(overrides: Partial<DeviceAuthorizationRecord> = {}): DeviceAuthorizationRecord {
  return {
    deviceCodeHash: 'device-code-1',
    userCodeHash: 'user-code-1',
    clientId: 'app',
    scopes: ['openid', 'offline_access'],
    resources: [],
    status: 'pending',
    userId: null,
    authTime: null,
    amr: [],
    interval: 5,
    lastPolledAt: null,
    createdAt: now,
    expiresAt: now + 600,
    consumedAt: null,
    ...overrides,
  };
}

/** alice's approval of a device authorization, signed in with a password and TOTP. */
function anApproval(overrides: Partial<DeviceDecision> = {}): DeviceDecision {
  return {
    approved: true,
    userId: 'user-alice',
    authTime: now - 10,
    amr: ['pwd', 'otp', 'mfa'],
    ...overrides,
  };
}

function aGrant(overrides: Partial<GrantRecord> = {}): GrantRecord {
  return {
    id: 'grant-1',
    clientId: 'app',
    userId: 'user-alice',
    scopes: ['openid', 'offline_access'],
    authTime: now - 10,
    amr: ['pwd', 'otp', 'mfa'],
    nonce: 'nonce',
    redirectUri: 'https://app.example/callback',
    codeHash: 'code-hash-1',
    codeChallenge: 'challenge',
    resources: [],
    dpopJkt: null,
    claims: null,
    sid: null,
    codeExpiresAt: now + 60,
    codeConsumedAt: null,
    revokedAt: null,
    createdAt: now,
    expiresAt: now + 60,
    ...overrides,
  };
}

function anAccountToken(overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord {
  return {
    hash: 'account-token-hash',
    purpose: 'reset-password',
    userId: 'user-alice',
    email: 'alice@example.com',
    name: null,
    passwordHash: null,
    browserBindingHash: null,
    interactionId: null,
    createdAt: now,
    expiresAt: now + 3600,
    consumedAt: null,
    ...overrides,
  };
}

/** A sign-up link: no account yet, everything needed to create it. */
function aSignUpToken(overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord {
  return anAccountToken({
    hash: 'sign-up-hash',
    purpose: 'sign-up',
    userId: null,
    email: 'Carol@Example.com',
    name: 'Carol',
    passwordHash: 'scrypt$carol',
    browserBindingHash: 'binding-hash',
    interactionId: 'interaction-1',
    createdAt: now,
    expiresAt: now + day,
    ...overrides,
  });
}

/** The TOTP time step (30 seconds) of `now`. */
const nowStep = Math.floor(now / 30);

/** alice's authenticator, confirmed, its last accepted code of the step before `now`'s. */
function aTotp(overrides: Partial<TotpRecord> = {}): TotpRecord {
  return {
    userId: 'user-alice',
    secret: 'JBSWY3DPEHPK3PXP',
    confirmedAt: now,
    lastStep: nowStep - 1,
    createdAt: now - 60,
    ...overrides,
  };
}

/** alice's passkey: synced, reachable two ways, its counter at 5, never used. */
function aPasskey(overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return {
    credentialId: 'Zm9vYmFyLWFsaWNl',
    userId: 'user-alice',
    publicKey: 'pQECAyYgASFYIBhq3pK0QIDAQAB',
    counter: 5,
    transports: ['internal', 'hybrid'],
    backedUp: true,
    name: 'MacBook',
    createdAt: now,
    lastUsedAt: null,
    ...overrides,
  };
}

/** alice's identity at the upstream provider `google`, linked and last used at `now`, with an address. */
function anUpstreamIdentity(overrides: Partial<UpstreamIdentityRecord> = {}): UpstreamIdentityRecord {
  return {
    provider: 'google',
    subject: 'AItOawm-alice',
    userId: 'user-alice',
    email: 'alice@gmail.example',
    createdAt: now,
    lastUsedAt: now,
    ...overrides,
  };
}

function anAuditEvent(overrides: Partial<AuditEventRecord> = {}): AuditEventRecord {
  return {
    id: '000001700000000-000001-aaaa0001',
    time: now,
    type: 'sign_in',
    outcome: 'success',
    userId: 'user-alice',
    actorId: null,
    clientId: 'app',
    ip: '203.0.113.9',
    reason: null,
    details: { method: 'password', second_factor: false, attempts: 1 },
    ...overrides,
  };
}

/** The redemption that wins for `grant`, one second after it was issued. */
function redemptionOf(grant: GrantRecord, overrides: Partial<CodeRedemption> = {}): CodeRedemption {
  return {
    codeHash: grant.codeHash,
    clientId: grant.clientId,
    redirectUri: grant.redirectUri,
    codeChallenge: grant.codeChallenge,
    dpopJkt: grant.dpopJkt,
    now: now + 1,
    ...overrides,
  };
}

function aRefreshToken(grant: GrantRecord, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    hash: 'refresh-hash-1',
    grantId: grant.id,
    clientId: grant.clientId,
    scopes: grant.scopes,
    createdAt: now + 1,
    expiresAt: now + 30 * day,
    rotatedAt: null,
    dpopJkt: null,
    successorSealed: null,
    ...overrides,
  };
}

/** The rotation that wins for `token`, 99 seconds after it was issued; the successor keeps its DPoP key. */
function rotationOf(token: RefreshTokenRecord, nextHash = 'refresh-hash-2'): RefreshRotation {
  return {
    hash: token.hash,
    clientId: token.clientId,
    now: now + 100,
    next: {
      hash: nextHash,
      clientId: token.clientId,
      scopes: token.scopes,
      createdAt: now + 100,
      expiresAt: now + 100 + 30 * day,
      rotatedAt: null,
      dpopJkt: token.dpopJkt,
      successorSealed: null,
    },
    successorSealed: `sealed ${nextHash}`,
    grantExpiresAt: now + 100 + 30 * day,
  };
}

/** The wall clock in seconds: {@link Store.rememberOnce} judges expiry by it, not by a time passed in. */
function wallClock(): number {
  return Math.floor(Date.now() / 1000);
}

/** What `schema_migrations` holds once every migration ran. */
const allMigrations = migrations.map(({ id, name }) => ({ id, name }));

/** The newest migration, the schema the upgrade tests bring old databases to. */
const newestVersion = 11;

/**
 * Checks `schema_migrations` after an upgrade from `version`: `applied` (its ids and names) records
 * every migration, and `appliedAt` (the times of those up to `version`) shows they were not run again.
 */
function assertMigrationsRecorded(version: number, applied: unknown[], appliedAt: unknown[]): void {
  assert.deepEqual(applied, allMigrations);
  assert.equal(
    allMigrations.at(-1)?.id,
    newestVersion,
    `migration ${newestVersion} is the newest: a newer one needs an upgrade test from its previous schema`,
  );
  assert.deepEqual(
    appliedAt,
    migrationsUpTo(version).map(() => now),
    'the migrations already applied were not run again',
  );
}

/** The migrations a codegrant at schema `version` had applied. */
function migrationsUpTo(version: number): Migration[] {
  return migrations.filter((migration) => migration.id <= version);
}

/**
 * How sessions and grants made before migration 4 read: they were password sign-ins. (Interactions
 * made before it read with `amr: []` and `pendingUserId: null`, the fixtures' defaults.)
 */
const amrBeforeVersion4 = ['pwd'];

/**
 * Rows written by a codegrant at schema version 1, in SQL both dialects run: `aUser()`, `aClient()`,
 * `aGrant()` redeemed at `now + 1` with its `aRefreshToken`, and a second grant, `grant-2`, not
 * redeemed. Migration 2 must give them the values of the fixtures' new fields.
 */
const version1Rows = `
INSERT INTO users (id, username, password_hash, email, email_verified, name, created_at, updated_at)
VALUES ('user-alice', 'alice', 'scrypt$alice', 'alice@example.com', 1, 'Alice', ${now}, ${now + 1});

INSERT INTO clients (client_id, client_secret_hash, name, redirect_uris, post_logout_redirect_uris, grant_types,
  token_endpoint_auth_method, first_party, id_token_signed_response_alg, always_issue_refresh_token,
  allow_missing_pkce, created_at)
VALUES ('app', 'secret-hash', 'App', '["https://app.example/callback","http://127.0.0.1/callback"]',
  '["https://app.example/"]', '["authorization_code","refresh_token"]', 'client_secret_basic', 1, 'ES256', 1, 1,
  ${now});

INSERT INTO grants (id, client_id, user_id, scopes, auth_time, nonce, redirect_uri, code_hash, code_challenge,
  code_expires_at, code_consumed_at, revoked_at, created_at, expires_at)
VALUES
  ('grant-1', 'app', 'user-alice', '["openid","offline_access"]', ${now - 10}, 'nonce',
    'https://app.example/callback', 'code-hash-1', 'challenge', ${now + 60}, ${now + 1}, NULL, ${now},
    ${now + 30 * day}),
  ('grant-2', 'app', 'user-alice', '["openid","offline_access"]', ${now - 10}, 'nonce',
    'https://app.example/callback', 'code-hash-2', 'challenge', ${now + 60}, NULL, NULL, ${now}, ${now + 60});

INSERT INTO refresh_tokens (hash, grant_id, client_id, scopes, created_at, expires_at, rotated_at)
VALUES ('refresh-hash-1', 'grant-1', 'app', '["openid","offline_access"]', ${now + 1}, ${now + 30 * day}, NULL);
`;

/**
 * Checks a store just migrated from {@link version1Rows}: the old rows read as the fixtures, with
 * the new fields' defaults, and the new columns and tables work.
 */
async function assertUpgradedFromVersion1(store: Store): Promise<void> {
  const grant = aGrant();
  const token = aRefreshToken(grant);
  assert.deepEqual(await store.findUserById('user-alice'), aUser());
  assert.deepEqual(await store.findClient('app'), aClient());
  assert.deepEqual(await store.findGrant(grant.id), {
    ...grant,
    amr: amrBeforeVersion4,
    codeConsumedAt: now + 1,
    expiresAt: now + 30 * day,
  });
  assert.deepEqual(await store.findRefreshToken(token.hash), token);

  // A code issued before DPoP is bound to no key: a proof by any key redeems it.
  const unredeemed = aGrant({ id: 'grant-2', codeHash: 'code-hash-2' });
  assert.deepEqual(await store.redeemCode(redemptionOf(unredeemed, { dpopJkt: 'jkt-a' })), {
    ...unredeemed,
    amr: amrBeforeVersion4,
    codeConsumedAt: now + 1,
  });
  assert.equal(
    (await store.rotateRefreshToken(rotationOf(token)))?.previous.successorSealed,
    'sealed refresh-hash-2',
  );
  assert.equal(
    await store.updateClient(
      aClient({ jwks: '{"keys":[]}', metadata: { client_uri: 'https://app.example/' } }),
    ),
    true,
  );
  assert.deepEqual((await store.findClient('app'))?.metadata, { client_uri: 'https://app.example/' });
  assert.equal(await store.rememberOnce('jti', wallClock() + 60, wallClock()), true);
  assert.equal(await store.sharedValue('secret', 'value'), 'value');
}

/**
 * Rows written by a codegrant at schema version 2, in SQL both dialects run: every table holds
 * something, the version 2 columns included. {@link assertUpgradedFromVersion2} knows them as records.
 */
const version2Rows = `
INSERT INTO users (id, username, password_hash, email, email_verified, name, created_at, updated_at)
VALUES
  ('user-alice', 'alice', 'scrypt$alice', 'alice@example.com', 1, 'Alice', ${now}, ${now + 1}),
  ('user-alice-work', 'alice-work', 'scrypt$work', 'Alice@Example.COM', 0, NULL, ${now + 5}, ${now + 5}),
  ('user-bob', 'bob', 'scrypt$bob', NULL, 0, NULL, ${now}, ${now});

INSERT INTO clients (client_id, client_secret_hash, name, redirect_uris, post_logout_redirect_uris, grant_types,
  token_endpoint_auth_method, first_party, id_token_signed_response_alg, always_issue_refresh_token,
  allow_missing_pkce, jwks, jwks_uri, dpop_bound_access_tokens, registration_access_token_hash, metadata, created_at)
VALUES ('app', 'secret-hash', 'App', '["https://app.example/callback","http://127.0.0.1/callback"]',
  '["https://app.example/"]', '["authorization_code","refresh_token"]', 'client_secret_basic', 1, 'ES256', 1, 1,
  '{"keys":[]}', NULL, 1, 'registration-hash', '{"client_uri":"https://app.example/"}', ${now});

INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at)
VALUES ('key-1', 'ES256', '{"kty":"EC","d":"private"}', '{"kty":"EC"}', ${now}, NULL);

INSERT INTO interactions (id, client_id, parameters, csrf_token, browser_binding_hash, user_id, auth_time,
  created_at, expires_at)
VALUES ('interaction-1', 'app', '{"response_type":"code"}', 'csrf', 'binding-hash', 'user-alice', ${now}, ${now},
  ${now + 600});

INSERT INTO sessions (id_hash, user_id, auth_time, created_at, expires_at)
VALUES
  ('session-hash', 'user-alice', ${now}, ${now}, ${now + day}),
  ('bob-session', 'user-bob', ${now}, ${now}, ${now + day});

INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES ('user-alice', 'app', '["openid"]', ${now});

INSERT INTO grants (id, client_id, user_id, scopes, auth_time, nonce, redirect_uri, code_hash, code_challenge,
  resources, dpop_jkt, code_expires_at, code_consumed_at, revoked_at, created_at, expires_at)
VALUES
  ('grant-1', 'app', 'user-alice', '["openid","offline_access"]', ${now - 10}, 'nonce',
    'https://app.example/callback', 'code-hash-1', 'challenge', '["https://api.example/"]', 'jkt-a', ${now + 60},
    ${now + 1}, NULL, ${now}, ${now + 30 * day}),
  ('grant-2', 'app', 'user-alice', '["openid","offline_access"]', ${now - 10}, 'nonce',
    'https://app.example/callback', 'code-hash-2', 'challenge', '[]', NULL, ${now + 60}, NULL, NULL, ${now},
    ${now + 60});

INSERT INTO refresh_tokens (hash, grant_id, client_id, scopes, created_at, expires_at, rotated_at, dpop_jkt,
  successor_sealed)
VALUES
  ('refresh-hash-0', 'grant-1', 'app', '["openid","offline_access"]', ${now + 1}, ${now + 30 * day}, ${now + 1},
    'jkt-a', 'sealed refresh-hash-1'),
  ('refresh-hash-1', 'grant-1', 'app', '["openid","offline_access"]', ${now + 1}, ${now + 30 * day}, NULL,
    'jkt-a', NULL);

INSERT INTO login_failures (key, at) VALUES ('user:alice', ${now});

INSERT INTO remembered_once (key, expires_at) VALUES ('dpop:jti', 4102444800);

INSERT INTO shared_values (name, value, created_at) VALUES ('dpop-nonce-key', 'stored-secret', ${now});
`;

/** The indexes migration 3 creates. */
const version3Indexes = [
  'account_tokens_expires_at',
  'account_tokens_user_id',
  'grants_user_id',
  'sessions_user_id',
  'users_email',
];

/** The records of {@link version2Rows}, as a store at the current schema reads them. */
function version2Records() {
  const grant = aGrant({
    amr: amrBeforeVersion4,
    resources: ['https://api.example/'],
    dpopJkt: 'jkt-a',
    codeConsumedAt: now + 1,
    expiresAt: now + 30 * day,
  });
  return {
    alice: aUser(),
    aliceWork: aUser({
      id: 'user-alice-work',
      username: 'alice-work',
      passwordHash: 'scrypt$work',
      email: 'Alice@Example.COM',
      emailVerified: false,
      name: null,
      admin: false,
      disabledAt: null,
      createdAt: now + 5,
      updatedAt: now + 5,
    }),
    bob: aUser({
      id: 'user-bob',
      username: 'bob',
      passwordHash: 'scrypt$bob',
      email: null,
      emailVerified: false,
      name: null,
      updatedAt: now,
    }),
    client: aClient({
      jwks: '{"keys":[]}',
      dpopBoundAccessTokens: true,
      registrationAccessTokenHash: 'registration-hash',
      metadata: { client_uri: 'https://app.example/' },
    }),
    interaction: anInteraction({
      parameters: { response_type: 'code' },
      userId: 'user-alice',
      authTime: now,
      amr: [],
      pendingUserId: null,
    }),
    session: aSession({ amr: amrBeforeVersion4 }),
    bobSession: aSession({ idHash: 'bob-session', userId: 'user-bob', amr: amrBeforeVersion4 }),
    grant,
    unredeemed: aGrant({ id: 'grant-2', codeHash: 'code-hash-2', amr: amrBeforeVersion4 }),
    rotated: aRefreshToken(grant, {
      hash: 'refresh-hash-0',
      rotatedAt: now + 1,
      dpopJkt: 'jkt-a',
      successorSealed: 'sealed refresh-hash-1',
    }),
    token: aRefreshToken(grant, { dpopJkt: 'jkt-a' }),
  };
}

/** Checks that every row of {@link version2Rows} reads back as written. */
async function assertVersion2RowsKept(store: Store): Promise<void> {
  const {
    alice,
    aliceWork,
    bob,
    client,
    interaction,
    session,
    bobSession,
    grant,
    unredeemed,
    rotated,
    token,
  } = version2Records();
  assert.deepEqual(await store.findUserById('user-alice'), alice);
  assert.deepEqual(await store.listUsers(), [alice, aliceWork, bob]);
  assert.deepEqual(await store.findClient('app'), client);
  assert.deepEqual(await store.listSigningKeys(), [aSigningKey()]);
  assert.deepEqual(await store.findInteraction(interaction.id), interaction);
  assert.deepEqual(await store.findSession(session.idHash), session);
  assert.deepEqual(await store.findSession(bobSession.idHash), bobSession);
  assert.deepEqual(await store.findConsent('user-alice', 'app'), {
    userId: 'user-alice',
    clientId: 'app',
    scopes: ['openid'],
    updatedAt: now,
  });
  assert.deepEqual(await store.findGrant(grant.id), grant);
  assert.deepEqual(await store.findGrantByCodeHash(unredeemed.codeHash), unredeemed);
  assert.deepEqual(await store.findRefreshToken(rotated.hash), rotated);
  assert.deepEqual(await store.findRefreshToken(token.hash), token);
  assert.equal(await store.countLoginFailures('user:alice', 0), 1);
  assert.equal(await store.rememberOnce('dpop:jti', wallClock() + 60, wallClock()), false);
  assert.equal(await store.sharedValue('dpop-nonce-key', 'other'), 'stored-secret');
}

/**
 * Checks a store just migrated from {@link version2Rows}: every old row reads back as written, and
 * the account features of migration 3 work on them.
 */
async function assertUpgradedFromVersion2(store: Store): Promise<void> {
  const { alice, aliceWork, interaction, grant, unredeemed, token } = version2Records();
  await assertVersion2RowsKept(store);

  // The features of migration 3 work on the old rows.
  assert.deepEqual(await store.findUsersByEmail('ALICE@example.com'), [alice, aliceWork]);
  const reset = anAccountToken({ email: alice.email! });
  await store.insertAccountToken(reset);
  assert.deepEqual(await store.findAccountToken(reset.hash), reset);
  await store.insertAccountToken(aSignUpToken({ expiresAt: now + 10 }));

  await store.revokeUserAccess('user-alice', now + 50);
  assert.equal(await store.findSession('session-hash'), null);
  assert.ok(await store.findSession('bob-session'), "another user's session stays");
  assert.equal(await store.findInteraction(interaction.id), null, 'her sign-in in progress ends too');
  assert.deepEqual(await store.findGrant(grant.id), { ...grant, revokedAt: now + 50 });
  assert.deepEqual(await store.findGrant(unredeemed.id), { ...unredeemed, revokedAt: now + 50 });
  assert.equal(await store.rotateRefreshToken(rotationOf(token)), null);
  assert.equal(await store.redeemCode(redemptionOf(unredeemed)), null);

  assert.deepEqual(await store.consumeAccountToken(reset.hash, 'reset-password', now + 60), {
    ...reset,
    consumedAt: now + 60,
  });
  const updated = { ...alice, passwordHash: 'scrypt$new', updatedAt: now + 60 };
  assert.equal(await store.updateUser(updated), true);
  assert.deepEqual(await store.findUserById('user-alice'), updated);

  // Deleting the user takes their links along (the foreign key of the new table cascades).
  assert.equal(await store.deleteUser('alice'), true);
  assert.equal(await store.findAccountToken(reset.hash), null);
  // What is left to sweep: the expired sign-up link.
  assert.equal(await store.sweepExpired(now + 10, 0), 1);
  assert.equal(await store.findAccountToken('sign-up-hash'), null);
}

/**
 * Rows written by a codegrant at schema version 3: those of {@link version2Rows}, and account links
 * (a used password reset of alice's, a pending sign-up). {@link version3AccountTokens} knows them.
 */
const version3Rows = `${version2Rows}
INSERT INTO account_tokens (hash, purpose, user_id, email, name, password_hash, browser_binding_hash,
  interaction_id, created_at, expires_at, consumed_at)
VALUES
  ('account-token-hash', 'reset-password', 'user-alice', 'alice@example.com', NULL, NULL, NULL, NULL, ${now},
    ${now + 3600}, ${now + 5}),
  ('sign-up-hash', 'sign-up', NULL, 'Carol@Example.com', 'Carol', 'scrypt$carol', 'binding-hash',
    'interaction-1', ${now}, ${now + day}, NULL);
`;

/** The account links of {@link version3Rows}, as records. */
const version3AccountTokens = [anAccountToken({ consumedAt: now + 5 }), aSignUpToken()];

/** Checks that every row of {@link version3Rows} reads back as written. */
async function assertVersion3RowsKept(store: Store): Promise<void> {
  await assertVersion2RowsKept(store);
  for (const token of version3AccountTokens) {
    assert.deepEqual(await store.findAccountToken(token.hash), token);
  }
}

/**
 * Checks a store just migrated from {@link version3Rows}: every old row reads back as written,
 * sessions and grants as password sign-ins, and the second factors of migration 4 work on them.
 */
async function assertUpgradedFromVersion3(store: Store): Promise<void> {
  const { interaction, session, bobSession, grant } = version2Records();
  await assertVersion3RowsKept(store);

  // A sign-in begun before the upgrade owes a second factor, then passes it.
  const mfa = ['pwd', 'otp', 'mfa'];
  assert.equal(await store.setInteractionPendingUser(interaction.id, 'user-alice'), true);
  assert.deepEqual(await store.findInteraction(interaction.id), {
    ...interaction,
    pendingUserId: 'user-alice',
  });
  assert.equal(
    await store.setInteractionLogin(interaction.id, { userId: 'user-alice', authTime: now + 20, amr: mfa }),
    true,
  );
  assert.deepEqual(await store.findInteraction(interaction.id), {
    ...interaction,
    authTime: now + 20,
    amr: mfa,
  });

  // New sessions and grants keep their amr beside the old ones.
  const mfaSession = aSession({ idHash: 'mfa-session', authTime: now + 20, amr: mfa });
  await store.insertSession(mfaSession);
  assert.deepEqual(await store.findSession(mfaSession.idHash), mfaSession);
  assert.deepEqual(await store.findSession(session.idHash), session);
  const mfaGrant = aGrant({ id: 'grant-3', codeHash: 'code-hash-3', amr: mfa });
  await store.insertGrant(mfaGrant);
  assert.deepEqual(await store.redeemCode(redemptionOf(mfaGrant)), { ...mfaGrant, codeConsumedAt: now + 1 });
  assert.deepEqual(await store.findGrant(grant.id), grant);

  // TOTP and recovery codes for the old users.
  assert.equal(await store.findTotp('user-alice'), null);
  const enrolling = aTotp({ confirmedAt: null, lastStep: 0, createdAt: now + 10 });
  await store.saveTotp(enrolling);
  assert.deepEqual(await store.findTotp('user-alice'), enrolling);
  assert.equal(await store.useTotpStep('user-alice', nowStep), false, 'not confirmed yet');
  const confirmed = { ...enrolling, confirmedAt: now + 15, lastStep: nowStep };
  await store.saveTotp(confirmed);
  assert.deepEqual(await store.findTotp('user-alice'), confirmed);
  assert.equal(await store.useTotpStep('user-alice', nowStep + 1), true);
  assert.equal(await store.useTotpStep('user-alice', nowStep + 1), false);
  assert.equal((await store.findTotp('user-alice'))?.lastStep, nowStep + 1);
  await store.replaceRecoveryCodes('user-alice', ['alice-code-1', 'alice-code-2'], now + 15);
  await store.replaceRecoveryCodes('user-bob', ['bob-code'], now + 15);
  assert.equal(await store.countRecoveryCodes('user-alice'), 2);
  assert.equal(await store.useRecoveryCode('user-alice', 'bob-code', now + 20), false);
  assert.equal(await store.useRecoveryCode('user-alice', 'alice-code-1', now + 20), true);
  assert.equal(await store.useRecoveryCode('user-alice', 'alice-code-1', now + 21), false);
  assert.equal(await store.countRecoveryCodes('user-alice'), 1);

  // A password reset ends her sign-ins in progress, the new and the old.
  await store.insertInteraction(anInteraction({ id: 'alice-pending', pendingUserId: 'user-alice' }));
  await store.revokeUserAccess('user-alice', now + 50);
  assert.equal(await store.findInteraction(interaction.id), null);
  assert.equal(await store.findInteraction('alice-pending'), null);
  assert.equal(await store.findSession(session.idHash), null);
  assert.equal(await store.findSession(mfaSession.idHash), null);
  assert.deepEqual(await store.findSession(bobSession.idHash), bobSession, "another user's session stays");

  assert.equal(await store.deleteTotp('user-alice'), true);
  assert.equal(await store.findTotp('user-alice'), null);
  assert.equal(await store.countRecoveryCodes('user-alice'), 0);

  // The new foreign keys cascade: deleting bob takes his authenticator, codes and pending sign-in.
  await store.saveTotp(aTotp({ userId: 'user-bob' }));
  await store.insertInteraction(anInteraction({ id: 'bob-pending', pendingUserId: 'user-bob' }));
  assert.equal(await store.deleteUser('bob'), true);
  assert.equal(await store.findInteraction('bob-pending'), null);
  await store.insertUser(version2Records().bob);
  assert.equal(await store.findTotp('user-bob'), null);
  assert.equal(await store.countRecoveryCodes('user-bob'), 0);
  assert.equal(await store.useRecoveryCode('user-bob', 'bob-code', now + 60), false);
}

/** The session of {@link version4Rows} that passed a second factor. */
const version4Session = aSession({
  idHash: 'mfa-session',
  authTime: now + 20,
  amr: ['pwd', 'otp', 'mfa'],
  createdAt: now + 20,
});

/**
 * Rows written by a codegrant at schema version 4: those of {@link version3Rows}, alice's TOTP
 * authenticator (`aTotp()`), her recovery codes (one of them used) and bob's, and
 * {@link version4Session}.
 */
const version4Rows = `${version3Rows}
INSERT INTO totp_credentials (user_id, secret, confirmed_at, last_step, created_at)
VALUES ('user-alice', 'JBSWY3DPEHPK3PXP', ${now}, ${nowStep - 1}, ${now - 60});

INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at)
VALUES
  ('user-alice', 'alice-code-1', ${now}, NULL),
  ('user-alice', 'alice-code-2', ${now}, ${now + 5}),
  ('user-bob', 'bob-code', ${now}, NULL);

INSERT INTO sessions (id_hash, user_id, auth_time, amr, created_at, expires_at)
VALUES ('mfa-session', 'user-alice', ${now + 20}, '["pwd","otp","mfa"]', ${now + 20}, ${now + day});
`;

/** The index migration 5 creates. */
const version5Indexes = ['passkeys_user_id'];

/** Checks that every row of {@link version4Rows} reads back as written. */
async function assertVersion4RowsKept(store: Store): Promise<void> {
  await assertVersion3RowsKept(store);
  assert.deepEqual(await store.findSession(version4Session.idHash), version4Session);
  assert.deepEqual(await store.findTotp('user-alice'), aTotp());
  assert.equal(await store.findTotp('user-bob'), null);
  assert.equal(await store.countRecoveryCodes('user-alice'), 1);
  assert.equal(await store.countRecoveryCodes('user-bob'), 1);
}

/**
 * Checks a store just migrated from {@link version4Rows}: every old row reads back as written, the
 * second factors keep working, and the old users get passkeys (migration 5).
 */
async function assertUpgradedFromVersion4(store: Store): Promise<void> {
  await assertVersion4RowsKept(store);
  assert.equal(await store.useTotpStep('user-alice', nowStep - 1), false, 'its last step stays used');
  assert.equal(await store.useTotpStep('user-alice', nowStep), true);
  assert.equal(await store.useRecoveryCode('user-alice', 'alice-code-2', now + 30), false, 'used before');
  assert.equal(await store.useRecoveryCode('user-alice', 'alice-code-1', now + 30), true);

  // Passkeys for the old users.
  assert.deepEqual(await store.listPasskeys('user-alice'), []);
  const passkey = aPasskey({ createdAt: now + 30 });
  const bobs = aPasskey({
    credentialId: 'Ym9i',
    userId: 'user-bob',
    counter: 0,
    transports: [],
    backedUp: false,
    createdAt: now + 30,
  });
  await store.insertPasskey(passkey);
  await store.insertPasskey(bobs);
  await assert.rejects(store.insertPasskey(aPasskey({ credentialId: 'bm9ib2R5', userId: 'user-unknown' })));
  assert.deepEqual(await store.findPasskey(passkey.credentialId), passkey);
  assert.deepEqual(await store.listPasskeys('user-alice'), [passkey]);
  assert.equal(await store.usePasskey(passkey.credentialId, 6, now + 40), true);
  assert.equal(await store.usePasskey(passkey.credentialId, 6, now + 41), false);
  assert.deepEqual(await store.findPasskey(passkey.credentialId), {
    ...passkey,
    counter: 6,
    lastUsedAt: now + 40,
  });

  // The new foreign key cascades: deleting bob takes his passkey along with his recovery codes.
  assert.equal(await store.deleteUser('bob'), true);
  assert.equal(await store.findPasskey(bobs.credentialId), null);
  await store.insertUser(version2Records().bob);
  assert.deepEqual(await store.listPasskeys('user-bob'), []);
  assert.equal(await store.countRecoveryCodes('user-bob'), 0);
  assert.equal(await store.deletePasskey('user-alice', passkey.credentialId), true);
  assert.deepEqual(await store.listPasskeys('user-alice'), []);
}

/** The passkey of {@link version5Rows}: alice's, used once. */
const version5Passkey = aPasskey({ counter: 7, lastUsedAt: now + 10 });

/** Rows written by a codegrant at schema version 5: those of {@link version4Rows} and {@link version5Passkey}. */
const version5Rows = `${version4Rows}
INSERT INTO passkeys (credential_id, user_id, public_key, counter, transports, backed_up, name, created_at,
  last_used_at)
VALUES ('Zm9vYmFyLWFsaWNl', 'user-alice', 'pQECAyYgASFYIBhq3pK0QIDAQAB', 7, '["internal","hybrid"]', 1, 'MacBook',
  ${now}, ${now + 10});
`;

/** The index migration 6 creates. */
const version6Indexes = ['upstream_identities_user_id'];

/**
 * Checks a store just migrated from {@link version5Rows}: every old row reads back as written, the
 * account page's lists and revocations work on them, and the old users get upstream identities
 * (migration 6).
 */
async function assertUpgradedFromVersion5(store: Store): Promise<void> {
  const { session, grant, token } = version2Records();
  await assertVersion4RowsKept(store);
  assert.deepEqual(await store.findPasskey(version5Passkey.credentialId), version5Passkey);
  assert.deepEqual(await store.listPasskeys('user-alice'), [version5Passkey]);
  assert.equal(await store.usePasskey(version5Passkey.credentialId, 7, now + 30), false, 'its counter stays');
  assert.equal(await store.usePasskey(version5Passkey.credentialId, 8, now + 30), true);

  // The account page's lists of the old sessions and grants (grant-2 was never redeemed).
  assert.deepEqual(await store.listUserSessions('user-alice', now), [version4Session, session]);
  assert.deepEqual(await store.listUserGrants('user-alice', now), [grant]);

  // Upstream identities for the old users.
  assert.deepEqual(await store.listUpstreamIdentities('user-alice'), []);
  const identity = anUpstreamIdentity({ createdAt: now + 30, lastUsedAt: now + 30 });
  const bobs = anUpstreamIdentity({
    provider: 'corp-sso',
    subject: 'bob',
    userId: 'user-bob',
    email: null,
    createdAt: now + 30,
    lastUsedAt: now + 30,
  });
  await store.insertUpstreamIdentity(identity);
  await store.insertUpstreamIdentity(bobs);
  await assert.rejects(store.insertUpstreamIdentity({ ...identity, userId: 'user-bob' }), 'a duplicate');
  await assert.rejects(
    store.insertUpstreamIdentity(anUpstreamIdentity({ subject: 'unknown', userId: 'user-unknown' })),
    'an unknown user',
  );
  assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), identity);
  assert.deepEqual(await store.findUpstreamIdentity(bobs.provider, bobs.subject), bobs);
  await store.touchUpstreamIdentity(identity.provider, identity.subject, 'alice@new.example', now + 40);
  const touched = { ...identity, email: 'alice@new.example', lastUsedAt: now + 40 };
  assert.deepEqual(await store.listUpstreamIdentities('user-alice'), [touched]);

  // An app's access to an old grant is revoked, with the old consent.
  await store.revokeUserClientAccess('user-alice', 'app', now + 50);
  assert.deepEqual(await store.findGrant(grant.id), { ...grant, revokedAt: now + 50 });
  assert.equal(await store.findConsent('user-alice', 'app'), null);
  assert.deepEqual(await store.listUserGrants('user-alice', now + 50), []);
  assert.equal(await store.rotateRefreshToken(rotationOf(token)), null);
  assert.equal(await store.deleteUserSession('user-alice', session.idHash), true);
  assert.deepEqual(await store.listUserSessions('user-alice', now), [version4Session]);

  // The new foreign key cascades: deleting bob takes his identity along; alice's stays.
  assert.equal(await store.deleteUser('bob'), true);
  assert.equal(await store.findUpstreamIdentity(bobs.provider, bobs.subject), null);
  await store.insertUser(version2Records().bob);
  assert.deepEqual(await store.listUpstreamIdentities('user-bob'), []);
  assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), touched);
}

/** Schema 6 with data: version 5's rows and an upstream identity of alice's. */
const version6Rows = `${version5Rows}
INSERT INTO upstream_identities (provider, subject, user_id, email, created_at, last_used_at)
VALUES ('google', 'AItOawm-alice', 'user-alice', 'alice@gmail.example', ${now}, ${now + 5});
`;

/** The indexes migration 7 creates. */
const version7Indexes = ['audit_events_client_id', 'audit_events_time', 'audit_events_user_id'];

/**
 * Checks a store just migrated from {@link version6Rows}: the old rows read back as written, the old
 * users are neither administrators nor disabled and can become either, and the audit log takes events.
 */
async function assertUpgradedFromVersion6(store: Store): Promise<void> {
  const { alice, bob } = version2Records();
  await assertVersion4RowsKept(store);
  assert.deepEqual(await store.findPasskey(version5Passkey.credentialId), version5Passkey);
  assert.deepEqual(await store.listUpstreamIdentities('user-alice'), [
    anUpstreamIdentity({ lastUsedAt: now + 5 }),
  ]);
  const oldAlice = await store.findUserById('user-alice');
  assert.deepEqual(oldAlice, { ...alice, admin: false, disabledAt: null });
  assert.deepEqual(await store.findUserById('user-bob'), { ...bob, admin: false, disabledAt: null });
  assert.equal(await store.updateUser({ ...alice, admin: true, disabledAt: now + 60 }), true);
  assert.deepEqual(await store.findUserById('user-alice'), { ...alice, admin: true, disabledAt: now + 60 });

  assert.deepEqual(await store.listAuditEvents({ limit: 10 }), []);
  const event = anAuditEvent({ userId: 'user-alice' });
  await store.appendAuditEvents([event]);
  assert.deepEqual(await store.listAuditEvents({ limit: 10, userId: 'user-alice' }), [event]);
  await store.ping();
  assert.deepEqual(await store.listSettings(), {});
  await store.saveSetting('registration', '"open"', now);
  assert.deepEqual(await store.listSettings(), { registration: '"open"' });
}

/** Schema 7 with data: version 6's rows, an audit event and a setting. */
const version7Rows = `${version6Rows}
INSERT INTO audit_events (id, time, type, outcome, user_id, actor_id, client_id, ip, reason, details)
VALUES ('000001700000000-000001-aaaa0001', ${now}, 'sign_in', 'success', 'user-alice', NULL, 'app', '203.0.113.9', NULL,
  '{"method":"password","second_factor":false,"attempts":1}');
INSERT INTO settings (name, value, updated_at) VALUES ('registration', '"open"', ${now});
`;

/** The index migration 8 creates. */
const version8Indexes = ['pushed_requests_expires_at'];

/**
 * Checks a store just migrated from {@link version7Rows}: the old rows read back as written, the
 * old clients do not require PAR and can be made to, and pushed requests can be stored and used once.
 */
async function assertUpgradedFromVersion7(store: Store): Promise<void> {
  await assertVersion4RowsKept(store);
  assert.deepEqual(await store.listAuditEvents({ limit: 10 }), [anAuditEvent()]);
  assert.deepEqual(await store.listSettings(), { registration: '"open"' });
  const client = await store.findClient('app');
  assert.equal(client?.requirePushedAuthorizationRequests, false);
  assert.equal(await store.updateClient({ ...client!, requirePushedAuthorizationRequests: true }), true);
  assert.equal((await store.findClient('app'))?.requirePushedAuthorizationRequests, true);
  await store.insertPushedRequest({
    hash: 'par-1',
    clientId: 'app',
    parameters: { scope: 'openid' },
    expiresAt: now + 60,
  });
  assert.deepEqual(await store.consumePushedRequest('par-1', 'app', now), { scope: 'openid' });
  assert.equal(await store.consumePushedRequest('par-1', 'app', now), null);
}

/** Schema 8 with data: version 7's rows and a pushed request. */
const version8Rows = `${version7Rows}
INSERT INTO pushed_requests (hash, client_id, parameters, expires_at) VALUES ('par-1', 'app', '{"scope":"openid"}', ${now + 60});
`;

/** The indexes migration 9 creates. */
const version9Indexes = [
  'device_authorizations_client_id',
  'device_authorizations_expires_at',
  'device_authorizations_user_id',
];

/**
 * Checks a store just migrated from {@link version8Rows}: the old rows read back as written (the
 * pushed request included), and a device authorization goes through.
 */
async function assertUpgradedFromVersion8(store: Store): Promise<void> {
  await assertVersion4RowsKept(store);
  assert.deepEqual(await store.listAuditEvents({ limit: 10 }), [anAuditEvent()]);
  assert.deepEqual(await store.consumePushedRequest('par-1', 'app', now), { scope: 'openid' });
  await store.insertDeviceAuthorization(aDeviceAuthorization());
  assert.equal(await store.decideDeviceAuthorization('user-code-1', anApproval(), now), true);
  assert.equal((await store.pollDeviceAuthorization('device-code-1', 'app', now))?.outcome, 'approved');
}

/** Schema 9 with data: version 8's rows and a device authorization waiting for its user. */
const version9Rows = `${version8Rows}
INSERT INTO device_authorizations (device_code_hash, user_code_hash, client_id, scopes, resources, status, user_id,
  auth_time, amr, poll_interval, last_polled_at, created_at, expires_at, consumed_at)
VALUES ('device-code-1', 'user-code-1', 'app', '["openid","offline_access"]', '[]', 'pending', NULL, NULL, '[]', 5, NULL,
  ${now}, ${now + 600}, NULL);
`;

/** A claims request as a grant keeps it (OpenID Connect Core §5.5). */
const claimsRequest =
  '{"id_token":{"email":{"essential":true},"acr":{"values":["2"]}},"userinfo":{"name":null}}';

/**
 * Checks a store just migrated from {@link version9Rows}: the old rows read back as written, the
 * old clients are public with no sector and the old grants carry no claims request; a client can
 * be made pairwise with a sector, and grants keep a claims request through redemption and rotation.
 */
async function assertUpgradedFromVersion9(store: Store): Promise<void> {
  await assertVersion4RowsKept(store);
  assert.deepEqual(await store.listAuditEvents({ limit: 10 }), [anAuditEvent()]);
  assert.deepEqual(await store.consumePushedRequest('par-1', 'app', now), { scope: 'openid' });
  assert.deepEqual(await store.findDeviceAuthorizationByUserCode('user-code-1'), aDeviceAuthorization());
  const client = await store.findClient('app');
  assert.equal(client?.subjectType, 'public');
  assert.equal(client?.sectorIdentifier, null);
  assert.equal((await store.findGrant('grant-1'))?.claims, null);
  const pairwise = { ...client!, subjectType: 'pairwise' as const, sectorIdentifier: 'app.example' };
  assert.equal(await store.updateClient(pairwise), true);
  assert.deepEqual(await store.findClient('app'), pairwise);
  const grant = aGrant({ id: 'grant-claims', codeHash: 'code-hash-claims', claims: claimsRequest });
  await store.insertGrant(grant);
  assert.equal((await store.redeemCode(redemptionOf(grant)))?.claims, claimsRequest);
}

/** Schema 10 with data: version 9's rows and a pairwise client. */
const version10Rows = `${version9Rows}
INSERT INTO clients (client_id, client_secret_hash, name, redirect_uris, post_logout_redirect_uris, grant_types,
  token_endpoint_auth_method, first_party, id_token_signed_response_alg, always_issue_refresh_token,
  allow_missing_pkce, created_at, subject_type, sector_identifier)
VALUES ('pairwise-app', 'secret-hash-2', 'Pairwise', '["https://pairwise.example/cb"]', '[]',
  '["authorization_code"]', 'client_secret_basic', 0, 'ES256', 0, 0, ${now}, 'pairwise', 'pairwise.example');
`;

/** The indexes migration 11 creates. */
const version11Indexes = [
  'session_clients_expires_at',
  'session_clients_next_attempt_at',
  'session_clients_user_id',
];

/**
 * Checks a store just migrated from {@link version10Rows}: the old rows read back as written (old
 * clients have no back-channel logout URI, old grants no `sid`, the pairwise client and its grant's
 * claims request kept), an old client can register one,
 * and a client recorded as signed in through an old session is due its logout when that session ends.
 */
async function assertUpgradedFromVersion10(store: Store): Promise<void> {
  const { session, grant } = version2Records();
  await assertVersion4RowsKept(store);
  assert.deepEqual(await store.consumePushedRequest('par-1', 'app', now), { scope: 'openid' });
  assert.deepEqual(await store.findDeviceAuthorizationByUserCode('user-code-1'), aDeviceAuthorization());
  assert.equal((await store.findClient('pairwise-app'))?.sectorIdentifier, 'pairwise.example');
  assert.equal((await store.findGrant('grant-1'))?.claims, null);
  const client = await store.findClient('app');
  assert.equal(client?.backchannelLogoutUri, null);
  assert.equal(client?.backchannelLogoutSessionRequired, false);
  assert.equal((await store.findGrant(grant.id))?.sid, null);
  const uri = 'https://app.example/backchannel-logout';
  assert.equal(
    await store.updateClient({
      ...client!,
      backchannelLogoutUri: uri,
      backchannelLogoutSessionRequired: true,
    }),
    true,
  );
  assert.equal((await store.findClient('app'))?.backchannelLogoutUri, uri);
  await store.insertGrant(aGrant({ id: 'grant-9', codeHash: 'code-hash-9', sid: 'sid-of-app' }));
  assert.equal((await store.findGrant('grant-9'))?.sid, 'sid-of-app');

  const record = {
    sessionIdHash: session.idHash,
    clientId: 'app',
    userId: 'user-alice',
    sid: 'sid-of-app',
    createdAt: now,
    expiresAt: session.expiresAt,
  };
  await store.insertSessionClient(record);
  assert.deepEqual(await store.claimDueLogouts(now, now + 60, 10), [], 'the session lives');
  assert.equal(await store.deleteUserSession('user-alice', session.idHash), true);
  assert.deepEqual(await store.claimDueLogouts(now, now + 60, 10), [
    { ...record, nextAttemptAt: now + 60, attempts: 1 },
  ]);
}

/** The store's contract: every test gets a fresh, migrated, empty store from `open`. */
function storeContract(open: () => Promise<Store>): void {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  /** alice, bob and the client `app`, which most records reference. */
  async function seed(): Promise<void> {
    await store.insertUser(aUser());
    await store.insertUser(
      aUser({ id: 'user-bob', username: 'bob', email: null, emailVerified: false, name: null }),
    );
    await store.insertClient(aClient());
  }

  /** Inserts `grant` and redeems its code. @returns the redeemed grant */
  async function insertRedeemed(grant: GrantRecord): Promise<GrantRecord> {
    await store.insertGrant(grant);
    const redeemed = await store.redeemCode(redemptionOf(grant));
    assert.ok(redeemed);
    return redeemed;
  }

  /** A redeemed grant with its first refresh token (`aRefreshToken(grant, token)`), ready to be rotated. */
  async function issueRefreshToken(
    grant = aGrant(),
    token: Partial<RefreshTokenRecord> = {},
  ): Promise<RefreshTokenRecord> {
    const refreshToken = aRefreshToken(grant, token);
    await insertRedeemed(grant);
    await store.insertRefreshToken(refreshToken);
    return refreshToken;
  }

  describe('users', () => {
    it('finds a user by id and by username, as inserted', async () => {
      const alice = aUser();
      const bob = aUser({ id: 'user-bob', username: 'bob', email: null, emailVerified: false, name: null });
      await store.insertUser(alice);
      await store.insertUser(bob);
      assert.deepEqual(await store.findUserById('user-alice'), alice);
      assert.deepEqual(await store.findUserByUsername('bob'), bob);
      assert.equal(await store.findUserById('user-carol'), null);
      assert.equal(await store.findUserByUsername('carol'), null);
    });

    it('refuses a taken username or id', async () => {
      await store.insertUser(aUser());
      await assert.rejects(store.insertUser(aUser({ id: 'user-other' })));
      await assert.rejects(store.insertUser(aUser({ username: 'other' })));
      assert.deepEqual(
        (await store.listUsers()).map((user) => user.id),
        ['user-alice'],
      );
    });

    it('lists users by username', async () => {
      await store.insertUser(aUser({ id: 'user-3', username: 'carol' }));
      await store.insertUser(aUser({ id: 'user-1', username: 'alice' }));
      await store.insertUser(aUser({ id: 'user-2', username: 'bob' }));
      assert.deepEqual(
        (await store.listUsers()).map((user) => user.username),
        ['alice', 'bob', 'carol'],
      );
    });

    it('hands out copies: changing a returned record changes nothing stored', async () => {
      await store.insertUser(aUser());
      const found = await store.findUserById('user-alice');
      assert.ok(found);
      found.username = 'mallory';
      assert.equal((await store.findUserById('user-alice'))?.username, 'alice');
    });

    it('deletes a user with everything issued for them, and says whether one was deleted', async () => {
      await seed();
      const grant = aGrant();
      const token = await issueRefreshToken(grant);
      await store.insertSession(aSession());
      await store.saveConsent({ userId: 'user-alice', clientId: 'app', scopes: ['openid'], updatedAt: now });
      await store.insertInteraction(anInteraction({ userId: 'user-alice', authTime: now }));
      await store.insertSession(aSession({ idHash: 'bob-session', userId: 'user-bob' }));

      assert.equal(await store.deleteUser('alice'), true);
      assert.equal(await store.deleteUser('alice'), false);
      assert.equal(await store.deleteUser('nobody'), false);
      assert.equal(await store.findUserByUsername('alice'), null);
      assert.equal(await store.findGrant(grant.id), null);
      assert.equal(await store.findRefreshToken(token.hash), null);
      assert.equal(await store.findSession('session-hash'), null);
      assert.equal(await store.findConsent('user-alice', 'app'), null);
      assert.equal(await store.findInteraction('interaction-1'), null);
      assert.ok(await store.findSession('bob-session'), "another user's session stays");
      assert.ok(await store.findClient('app'));
    });
  });

  describe('findUsersByEmail', () => {
    it('finds every account of an address, whatever its case, oldest first (then by id)', async () => {
      const newest = aUser({
        id: 'user-a',
        username: 'newest',
        email: 'Shared@Example.com',
        createdAt: now + 2,
      });
      const oldB = aUser({ id: 'user-b', username: 'old-b', email: 'shared@example.com', createdAt: now });
      const oldA = aUser({ id: 'user-a2', username: 'old-a', email: 'SHARED@EXAMPLE.COM', createdAt: now });
      const other = aUser({
        id: 'user-c',
        username: 'other',
        email: 'other@example.com',
        createdAt: now - 1,
      });
      for (const user of [newest, oldB, oldA, other]) await store.insertUser(user);
      assert.deepEqual(await store.findUsersByEmail('sHaReD@example.COM'), [oldA, oldB, newest]);
      assert.deepEqual(await store.findUsersByEmail('shared@example.com'), [oldA, oldB, newest]);
      assert.deepEqual(await store.findUsersByEmail('OTHER@example.com'), [other]);
    });

    it('finds none for an unknown address, and never a user without one', async () => {
      await seed();
      assert.deepEqual(await store.findUsersByEmail('nobody@example.com'), []);
      assert.deepEqual(await store.findUsersByEmail('alice@example.co'), [], 'no prefix match');
      // bob has no address: neither an empty string nor the word "null" finds him.
      assert.deepEqual(await store.findUsersByEmail(''), []);
      assert.deepEqual(await store.findUsersByEmail('null'), []);
      assert.deepEqual(
        (await store.findUsersByEmail('alice@example.com')).map((user) => user.id),
        ['user-alice'],
      );
    });
  });

  describe('hasAdmin', () => {
    it('says whether any user is an administrator', async () => {
      assert.equal(await store.hasAdmin(), false);
      await seed();
      assert.equal(await store.hasAdmin(), false);
      await store.updateUser(aUser({ admin: true }));
      assert.equal(await store.hasAdmin(), true);
      await store.deleteUser('alice');
      assert.equal(await store.hasAdmin(), false);
    });
  });

  describe('updateUser', () => {
    it('replaces every field of a user, keeping what was issued to them, and says it existed', async () => {
      await seed();
      await store.insertSession(aSession());
      const grant = aGrant();
      await store.insertGrant(grant);
      const updated = aUser({
        username: 'alice-renamed',
        passwordHash: 'scrypt$new-password',
        email: 'Alice.New@Example.com',
        emailVerified: false,
        name: 'Alice Renamed',
        admin: true,
        disabledAt: now + 90,
        createdAt: now - 5,
        updatedAt: now + 100,
      });
      assert.equal(await store.updateUser(updated), true);
      assert.deepEqual(await store.findUserById('user-alice'), updated);
      assert.deepEqual(await store.findUserByUsername('alice-renamed'), updated);
      assert.equal(await store.findUserByUsername('alice'), null);
      assert.deepEqual(await store.findUsersByEmail('alice.new@example.com'), [updated]);
      assert.deepEqual(await store.findUsersByEmail('alice@example.com'), []);
      assert.ok(await store.findSession('session-hash'), 'an update is no delete: nothing cascades');
      assert.deepEqual(await store.findGrant(grant.id), grant);

      // Back to nulls, and the old username is free again.
      const cleared = aUser({ email: null, emailVerified: false, name: null, updatedAt: now + 200 });
      assert.equal(await store.updateUser(cleared), true);
      assert.deepEqual(await store.findUserById('user-alice'), cleared);
      assert.deepEqual(await store.findUsersByEmail('alice.new@example.com'), []);
      assert.deepEqual(
        await store.findUserById('user-bob'),
        aUser({ id: 'user-bob', username: 'bob', email: null, emailVerified: false, name: null }),
        'another user is untouched',
      );
    });

    it('says when there is no such user, and creates none', async () => {
      await seed();
      assert.equal(await store.updateUser(aUser({ id: 'user-unknown', username: 'ghost' })), false);
      assert.equal(await store.findUserById('user-unknown'), null);
      assert.equal(await store.findUserByUsername('ghost'), null);
      assert.deepEqual(
        (await store.listUsers()).map((user) => user.id),
        ['user-alice', 'user-bob'],
      );
    });

    it('refuses to rename a user to a taken username, and keeps its own', async () => {
      await seed();
      await assert.rejects(store.updateUser(aUser({ id: 'user-bob', username: 'alice', name: 'Bob' })));
      assert.equal((await store.findUserById('user-bob'))?.username, 'bob');
      assert.equal((await store.findUserById('user-bob'))?.name, null);
      assert.equal((await store.findUserByUsername('alice'))?.id, 'user-alice');
      // Keeping one's own username is no clash.
      assert.equal(await store.updateUser(aUser({ name: 'Alice A.' })), true);
      assert.equal((await store.findUserByUsername('alice'))?.name, 'Alice A.');
    });
  });

  describe('revokeUserAccess', () => {
    it("ends the user's sessions and revokes their grants, touching no one else's", async () => {
      await seed();
      await store.insertSession(aSession({ idHash: 'alice-1' }));
      await store.insertSession(aSession({ idHash: 'alice-2', createdAt: now + 1 }));
      await store.insertSession(aSession({ idHash: 'bob-1', userId: 'user-bob' }));
      const redeemed = aGrant();
      const token = await issueRefreshToken(redeemed);
      const unredeemed = aGrant({ id: 'grant-2', codeHash: 'code-hash-2' });
      await store.insertGrant(unredeemed);
      const revokedEarlier = aGrant({ id: 'grant-3', codeHash: 'code-hash-3', revokedAt: now - 5 });
      await store.insertGrant(revokedEarlier);
      const bobGrant = aGrant({ id: 'grant-bob', userId: 'user-bob', codeHash: 'code-hash-bob' });
      await store.insertGrant(bobGrant);
      assert.ok(await store.redeemCode(redemptionOf(bobGrant)));
      const bobToken = aRefreshToken(bobGrant, { hash: 'bob-refresh' });
      await store.insertRefreshToken(bobToken);
      const redeemedBefore = await store.findGrant(redeemed.id);
      const bobGrantBefore = await store.findGrant(bobGrant.id);

      await store.revokeUserAccess('user-alice', now + 50);

      assert.equal(await store.findSession('alice-1'), null);
      assert.equal(await store.findSession('alice-2'), null);
      assert.ok(await store.findSession('bob-1'), "another user's session stays");
      assert.deepEqual(await store.findGrant(redeemed.id), { ...redeemedBefore, revokedAt: now + 50 });
      assert.deepEqual(await store.findGrant(unredeemed.id), { ...unredeemed, revokedAt: now + 50 });
      assert.deepEqual(
        await store.findGrant(revokedEarlier.id),
        revokedEarlier,
        'an earlier revocation stays',
      );
      assert.deepEqual(await store.findGrant(bobGrant.id), bobGrantBefore, "another user's grant stays");
      assert.ok(await store.findUserById('user-alice'), 'the account itself stays');

      // Nothing issued to alice works any more; bob's still does.
      assert.equal(await store.rotateRefreshToken(rotationOf(token)), null);
      assert.deepEqual(await store.findRefreshToken(token.hash), token, 'the lost rotation wrote nothing');
      assert.equal(await store.redeemCode(redemptionOf(unredeemed)), null);
      assert.equal((await store.findGrant(unredeemed.id))?.codeConsumedAt, null);
      assert.ok(await store.rotateRefreshToken(rotationOf(bobToken, 'bob-successor')));
    });

    it("deletes the user's pending interactions, signed in or owing a second factor, and no one else's", async () => {
      await seed();
      const aliceSignedIn = anInteraction({ id: 'alice-signed-in', userId: 'user-alice', authTime: now });
      const alicePending = anInteraction({ id: 'alice-pending', pendingUserId: 'user-alice' });
      const anonymous = anInteraction({ id: 'anonymous' });
      const bobSignedIn = anInteraction({
        id: 'bob-signed-in',
        userId: 'user-bob',
        authTime: now,
        amr: ['pwd', 'otp', 'mfa'],
      });
      const bobPending = anInteraction({ id: 'bob-pending', pendingUserId: 'user-bob' });
      for (const interaction of [aliceSignedIn, alicePending, anonymous, bobSignedIn, bobPending]) {
        await store.insertInteraction(interaction);
      }

      await store.revokeUserAccess('user-alice', now + 50);

      assert.equal(await store.findInteraction(aliceSignedIn.id), null);
      assert.equal(await store.findInteraction(alicePending.id), null);
      for (const interaction of [anonymous, bobSignedIn, bobPending]) {
        assert.deepEqual(await store.findInteraction(interaction.id), interaction, interaction.id);
      }
    });

    it('does nothing for a user with nothing issued, or for an unknown user', async () => {
      await seed();
      await store.insertSession(aSession());
      await store.insertGrant(aGrant());
      await store.revokeUserAccess('user-bob', now + 50);
      await store.revokeUserAccess('user-unknown', now + 50);
      assert.ok(await store.findSession('session-hash'));
      assert.deepEqual(await store.findGrant('grant-1'), aGrant());
    });
  });

  describe('account tokens', () => {
    it('finds a sign-up token and a password-reset token as inserted, every field kept', async () => {
      await seed();
      const signUp = aSignUpToken();
      const reset = anAccountToken({ hash: 'reset-hash', createdAt: now + 1, expiresAt: now + 1801 });
      const used = anAccountToken({ hash: 'verify-hash', purpose: 'verify-email', consumedAt: now + 2 });
      for (const token of [signUp, reset, used]) await store.insertAccountToken(token);
      assert.deepEqual(await store.findAccountToken('sign-up-hash'), signUp);
      assert.deepEqual(await store.findAccountToken('reset-hash'), reset);
      assert.deepEqual(await store.findAccountToken('verify-hash'), used);
      assert.equal(await store.findAccountToken('unknown'), null);

      const found = await store.findAccountToken('sign-up-hash');
      assert.ok(found);
      found.consumedAt = now;
      assert.equal((await store.findAccountToken('sign-up-hash'))?.consumedAt, null, 'a copy is handed out');
    });

    it('refuses a duplicate hash, or a token of an unknown user', async () => {
      await seed();
      const reset = anAccountToken();
      await store.insertAccountToken(reset);
      await assert.rejects(store.insertAccountToken(aSignUpToken({ hash: reset.hash })));
      await assert.rejects(
        store.insertAccountToken(anAccountToken({ hash: 'other', userId: 'user-unknown' })),
      );
      assert.deepEqual(await store.findAccountToken(reset.hash), reset);
      assert.equal(await store.findAccountToken('other'), null);
    });

    it('is used once: the first consumption wins, with consumedAt = now', async () => {
      await seed();
      const reset = anAccountToken();
      await store.insertAccountToken(reset);
      const used = { ...reset, consumedAt: now + 10 };
      assert.deepEqual(await store.consumeAccountToken(reset.hash, 'reset-password', now + 10), used);
      assert.deepEqual(await store.findAccountToken(reset.hash), used);
      assert.equal(await store.consumeAccountToken(reset.hash, 'reset-password', now + 11), null);
      assert.deepEqual(await store.findAccountToken(reset.hash), used, 'the loser wrote nothing');

      const signUp = aSignUpToken();
      await store.insertAccountToken(signUp);
      assert.deepEqual(await store.consumeAccountToken(signUp.hash, 'sign-up', now + 20), {
        ...signUp,
        consumedAt: now + 20,
      });
    });

    it('refuses a wrong purpose, an expired token or an unknown hash, writing nothing', async () => {
      await seed();
      const reset = anAccountToken({ expiresAt: now + 3600 });
      await store.insertAccountToken(reset);
      assert.equal(await store.consumeAccountToken(reset.hash, 'sign-up', now + 1), null);
      assert.equal(await store.consumeAccountToken(reset.hash, 'verify-email', now + 1), null);
      // Expired means `expiresAt <= now`.
      assert.equal(await store.consumeAccountToken(reset.hash, 'reset-password', now + 3600), null);
      assert.equal(await store.consumeAccountToken(reset.hash, 'reset-password', now + 7200), null);
      assert.equal(await store.consumeAccountToken('unknown', 'reset-password', now + 1), null);
      assert.deepEqual(await store.findAccountToken(reset.hash), reset);
      // It was refused for those reasons alone: used right, in time, it wins.
      assert.ok(await store.consumeAccountToken(reset.hash, 'reset-password', now + 3599));
    });

    it('lets exactly one of 10 concurrent consumptions win', async () => {
      await seed();
      const reset = anAccountToken();
      await store.insertAccountToken(reset);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.consumeAccountToken(reset.hash, 'reset-password', now + 1 + i),
        ),
      );
      const winners = results.filter((result) => result !== null);
      assert.equal(winners.length, 1);
      assert.deepEqual(await store.findAccountToken(reset.hash), winners[0]);
    });

    it("deletes a user's tokens of one purpose, and no others", async () => {
      await seed();
      const tokens = [
        anAccountToken({ hash: 'alice-reset-1' }),
        anAccountToken({ hash: 'alice-reset-2', createdAt: now + 1 }),
        anAccountToken({ hash: 'alice-verify', purpose: 'verify-email' }),
        anAccountToken({ hash: 'bob-reset', userId: 'user-bob', email: 'bob@example.com' }),
        aSignUpToken({ email: 'alice@example.com' }),
      ];
      for (const token of tokens) await store.insertAccountToken(token);
      await store.deleteAccountTokens('user-alice', 'reset-password');
      assert.equal(await store.findAccountToken('alice-reset-1'), null);
      assert.equal(await store.findAccountToken('alice-reset-2'), null);
      for (const token of tokens.slice(2)) assert.deepEqual(await store.findAccountToken(token.hash), token);
      await store.deleteAccountTokens('user-unknown', 'reset-password');
      await store.deleteAccountTokens('user-bob', 'verify-email');
      assert.ok(await store.findAccountToken('bob-reset'));
    });

    it('are deleted with their user', async () => {
      await seed();
      const tokens = [
        anAccountToken({ hash: 'alice-reset' }),
        anAccountToken({ hash: 'alice-verify', purpose: 'verify-email' }),
        anAccountToken({ hash: 'bob-reset', userId: 'user-bob', email: 'bob@example.com' }),
        aSignUpToken({ email: 'alice@example.com' }),
      ];
      for (const token of tokens) await store.insertAccountToken(token);
      assert.equal(await store.deleteUser('alice'), true);
      assert.equal(await store.findAccountToken('alice-reset'), null);
      assert.equal(await store.findAccountToken('alice-verify'), null);
      assert.deepEqual(await store.findAccountToken('bob-reset'), tokens[2]);
      assert.deepEqual(await store.findAccountToken('sign-up-hash'), tokens[3]);
    });
  });

  describe('TOTP', () => {
    beforeEach(seed);

    it('finds no authenticator for a user without one', async () => {
      assert.equal(await store.findTotp('user-alice'), null);
      assert.equal(await store.findTotp('user-unknown'), null);
    });

    it('saves an authenticator, then replaces every field of it', async () => {
      const enrolling = aTotp({ confirmedAt: null, lastStep: 0 });
      await store.saveTotp(enrolling);
      assert.deepEqual(await store.findTotp('user-alice'), enrolling);
      assert.equal(await store.findTotp('user-bob'), null);

      const replaced = aTotp({
        secret: 'enc:v1:another-secret',
        confirmedAt: now + 5,
        lastStep: nowStep + 7,
        createdAt: now + 1,
      });
      await store.saveTotp(replaced);
      assert.deepEqual(await store.findTotp('user-alice'), replaced);
      // And back: a new enrolment replaces a confirmed authenticator too.
      await store.saveTotp(enrolling);
      assert.deepEqual(await store.findTotp('user-alice'), enrolling);

      const found = await store.findTotp('user-alice');
      assert.ok(found);
      found.confirmedAt = now;
      assert.equal((await store.findTotp('user-alice'))?.confirmedAt, null, 'a copy is handed out');
    });

    it('refuses an authenticator of an unknown user', async () => {
      await assert.rejects(store.saveTotp(aTotp({ userId: 'user-unknown' })));
      assert.equal(await store.findTotp('user-unknown'), null);
    });

    it('accepts no code while the authenticator is unconfirmed', async () => {
      const enrolling = aTotp({ confirmedAt: null, lastStep: 0 });
      await store.saveTotp(enrolling);
      assert.equal(await store.useTotpStep('user-alice', nowStep), false);
      assert.equal(await store.useTotpStep('user-alice', nowStep + 100), false);
      assert.deepEqual(await store.findTotp('user-alice'), enrolling, 'nothing written');
    });

    it('accepts a step once, only later than the last accepted one', async () => {
      const totp = aTotp({ lastStep: nowStep });
      await store.saveTotp(totp);
      assert.equal(await store.useTotpStep('user-alice', nowStep), false, 'the same step');
      assert.equal(await store.useTotpStep('user-alice', nowStep - 1), false, 'an earlier step');
      assert.deepEqual(await store.findTotp('user-alice'), totp, 'nothing written');

      assert.equal(await store.useTotpStep('user-alice', nowStep + 1), true);
      assert.deepEqual(await store.findTotp('user-alice'), { ...totp, lastStep: nowStep + 1 });
      assert.equal(await store.useTotpStep('user-alice', nowStep + 1), false, 'used once');

      assert.equal(await store.useTotpStep('user-alice', nowStep + 3), true, 'a step may be skipped');
      assert.equal((await store.findTotp('user-alice'))?.lastStep, nowStep + 3);
      assert.equal(await store.useTotpStep('user-alice', nowStep + 2), false, 'no going back');
      assert.equal((await store.findTotp('user-alice'))?.lastStep, nowStep + 3);
    });

    it('accepts no code for a user without an authenticator, or an unknown user', async () => {
      await store.saveTotp(aTotp());
      assert.equal(await store.useTotpStep('user-bob', nowStep), false);
      assert.equal(await store.useTotpStep('user-unknown', nowStep), false);
      assert.equal(await store.findTotp('user-bob'), null);
    });

    it('lets exactly one of 10 concurrent uses of one step win', async () => {
      await store.saveTotp(aTotp());
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.useTotpStep('user-alice', nowStep)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.findTotp('user-alice'))?.lastStep, nowStep);
    });

    it('deletes an authenticator with its recovery codes, and says whether there was one', async () => {
      await store.saveTotp(aTotp());
      await store.replaceRecoveryCodes('user-alice', ['alice-1', 'alice-2'], now);
      const bobTotp = aTotp({ userId: 'user-bob', secret: 'BOBSECRET' });
      await store.saveTotp(bobTotp);
      await store.replaceRecoveryCodes('user-bob', ['bob-1'], now);

      assert.equal(await store.deleteTotp('user-alice'), true);
      assert.equal(await store.findTotp('user-alice'), null);
      assert.equal(await store.countRecoveryCodes('user-alice'), 0);
      assert.equal(await store.useRecoveryCode('user-alice', 'alice-1', now + 1), false);
      assert.equal(await store.useTotpStep('user-alice', nowStep + 10), false);
      assert.equal(await store.deleteTotp('user-alice'), false);
      assert.equal(await store.deleteTotp('user-unknown'), false);

      assert.deepEqual(await store.findTotp('user-bob'), bobTotp, "another user's authenticator stays");
      assert.equal(await store.countRecoveryCodes('user-bob'), 1);
    });

    it('are deleted with their user, recovery codes included', async () => {
      await store.saveTotp(aTotp());
      await store.replaceRecoveryCodes('user-alice', ['alice-1', 'alice-2'], now);
      const bobTotp = aTotp({ userId: 'user-bob' });
      await store.saveTotp(bobTotp);
      await store.replaceRecoveryCodes('user-bob', ['bob-1'], now);

      assert.equal(await store.deleteUser('alice'), true);
      assert.equal(await store.findTotp('user-alice'), null);
      assert.equal(await store.countRecoveryCodes('user-alice'), 0);
      // A user of the same id later finds nothing of the old one's.
      await store.insertUser(aUser());
      assert.equal(await store.findTotp('user-alice'), null);
      assert.equal(await store.countRecoveryCodes('user-alice'), 0);
      assert.equal(await store.useRecoveryCode('user-alice', 'alice-1', now + 1), false);

      assert.deepEqual(await store.findTotp('user-bob'), bobTotp, "another user's authenticator stays");
      assert.equal(await store.countRecoveryCodes('user-bob'), 1);
    });
  });

  describe('recovery codes', () => {
    beforeEach(seed);

    const tenCodes = Array.from({ length: 10 }, (_, i) => `code-hash-${i}`);

    it('counts the unused codes of a user, none before any were made', async () => {
      assert.equal(await store.countRecoveryCodes('user-alice'), 0);
      assert.equal(await store.countRecoveryCodes('user-unknown'), 0);
      await store.replaceRecoveryCodes('user-alice', tenCodes, now);
      assert.equal(await store.countRecoveryCodes('user-alice'), 10);
      assert.equal(await store.countRecoveryCodes('user-bob'), 0);
    });

    it('uses a code once', async () => {
      await store.replaceRecoveryCodes('user-alice', tenCodes, now);
      assert.equal(await store.useRecoveryCode('user-alice', 'code-hash-3', now + 1), true);
      assert.equal(await store.countRecoveryCodes('user-alice'), 9);
      assert.equal(await store.useRecoveryCode('user-alice', 'code-hash-3', now + 2), false);
      assert.equal(await store.countRecoveryCodes('user-alice'), 9);
      assert.equal(await store.useRecoveryCode('user-alice', 'code-hash-4', now + 3), true);
      assert.equal(await store.countRecoveryCodes('user-alice'), 8);
    });

    it("refuses an unknown code, another user's code, or an unknown user", async () => {
      await store.replaceRecoveryCodes('user-alice', ['alice-1', 'alice-2'], now);
      await store.replaceRecoveryCodes('user-bob', ['bob-1'], now);
      assert.equal(await store.useRecoveryCode('user-alice', 'unknown', now + 1), false);
      assert.equal(await store.useRecoveryCode('user-alice', 'bob-1', now + 1), false);
      assert.equal(await store.useRecoveryCode('user-bob', 'alice-1', now + 1), false);
      assert.equal(await store.useRecoveryCode('user-unknown', 'alice-1', now + 1), false);
      assert.equal(await store.countRecoveryCodes('user-alice'), 2);
      assert.equal(await store.countRecoveryCodes('user-bob'), 1);
      // Refused for those reasons alone: each works for its own user.
      assert.equal(await store.useRecoveryCode('user-bob', 'bob-1', now + 2), true);
      assert.equal(await store.useRecoveryCode('user-alice', 'alice-1', now + 2), true);
    });

    it('replaces the whole set: the old codes, used or not, stop working', async () => {
      await store.replaceRecoveryCodes('user-alice', ['old-1', 'old-2', 'old-3'], now);
      await store.replaceRecoveryCodes('user-bob', ['bob-1'], now);
      assert.equal(await store.useRecoveryCode('user-alice', 'old-1', now + 1), true);

      await store.replaceRecoveryCodes('user-alice', ['new-1', 'new-2'], now + 10);
      assert.equal(await store.countRecoveryCodes('user-alice'), 2);
      assert.equal(await store.useRecoveryCode('user-alice', 'old-1', now + 11), false);
      assert.equal(await store.useRecoveryCode('user-alice', 'old-2', now + 11), false);
      assert.equal(await store.countRecoveryCodes('user-alice'), 2);
      assert.equal(await store.useRecoveryCode('user-alice', 'new-1', now + 12), true);
      assert.equal(await store.countRecoveryCodes('user-alice'), 1);
      assert.equal(await store.countRecoveryCodes('user-bob'), 1, "another user's codes stay");

      // A code of the old set given again comes back unused.
      await store.replaceRecoveryCodes('user-alice', ['old-1'], now + 20);
      assert.equal(await store.countRecoveryCodes('user-alice'), 1);
      assert.equal(await store.useRecoveryCode('user-alice', 'old-1', now + 21), true);

      await store.replaceRecoveryCodes('user-alice', [], now + 30);
      assert.equal(await store.countRecoveryCodes('user-alice'), 0);
    });

    it('refuses codes of an unknown user', async () => {
      await assert.rejects(store.replaceRecoveryCodes('user-unknown', ['code'], now));
      assert.equal(await store.countRecoveryCodes('user-unknown'), 0);
    });

    it('lets exactly one of 10 concurrent uses of one code win', async () => {
      await store.replaceRecoveryCodes('user-alice', tenCodes, now);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.useRecoveryCode('user-alice', 'code-hash-0', now + 1 + i)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.countRecoveryCodes('user-alice'), 9);
    });
  });

  describe('passkeys', () => {
    beforeEach(seed);

    it('finds a passkey as inserted, every field kept, and none for an unknown credential', async () => {
      const synced = aPasskey();
      const key = aPasskey({
        credentialId: 'c2VjdXJpdHkta2V5',
        publicKey: 'pQECAyYgASFYIAnother',
        counter: 0,
        transports: ['usb', 'nfc'],
        backedUp: false,
        name: 'YubiKey 5',
        createdAt: now + 1,
        lastUsedAt: now + 2,
      });
      const bare = aPasskey({ credentialId: 'YmFyZQ', userId: 'user-bob', transports: [], name: '' });
      for (const passkey of [synced, key, bare]) await store.insertPasskey(passkey);
      assert.deepEqual(await store.findPasskey(synced.credentialId), synced);
      assert.deepEqual(await store.findPasskey(key.credentialId), key);
      assert.deepEqual(await store.findPasskey(bare.credentialId), bare);
      assert.equal(await store.findPasskey('dW5rbm93bg'), null);
      assert.equal(
        await store.findPasskey(synced.credentialId.toLowerCase()),
        null,
        'ids are case-sensitive',
      );

      const found = await store.findPasskey(synced.credentialId);
      assert.ok(found);
      found.transports.push('usb');
      found.counter = 99;
      assert.deepEqual(await store.findPasskey(synced.credentialId), synced, 'a copy is handed out');
    });

    it('refuses a duplicate credential id, or a passkey of an unknown user', async () => {
      const passkey = aPasskey();
      await store.insertPasskey(passkey);
      await assert.rejects(store.insertPasskey(aPasskey({ userId: 'user-bob', name: 'Stolen' })));
      await assert.rejects(
        store.insertPasskey(aPasskey({ userId: 'user-unknown', credentialId: 'b3RoZXI' })),
      );
      assert.deepEqual(await store.findPasskey(passkey.credentialId), passkey);
      assert.equal(await store.findPasskey('b3RoZXI'), null);
      assert.deepEqual(await store.listPasskeys('user-bob'), []);
      assert.deepEqual(await store.listPasskeys('user-unknown'), []);
    });

    it("lists a user's passkeys only, oldest first (then by credential id), none for a user without", async () => {
      assert.deepEqual(await store.listPasskeys('user-alice'), []);
      // Credential ids are base64url: ordered by their bytes, as SQL's binary collation does.
      const newest = aPasskey({ credentialId: 'AAAA', createdAt: now + 2 });
      const sameSecond = (credentialId: string) => aPasskey({ credentialId, createdAt: now });
      const dash = sameSecond('-x');
      const upper = sameSecond('Zx');
      const underscore = sameSecond('_x');
      const lower = sameSecond('ax');
      const oldest = aPasskey({ credentialId: 'zzzz', createdAt: now - 1 });
      const bobs = aPasskey({ credentialId: 'Ym9i', userId: 'user-bob', createdAt: now - 2 });
      for (const passkey of [newest, lower, underscore, bobs, upper, oldest, dash]) {
        await store.insertPasskey(passkey);
      }
      assert.deepEqual(await store.listPasskeys('user-alice'), [
        oldest,
        dash,
        upper,
        underscore,
        lower,
        newest,
      ]);
      assert.deepEqual(await store.listPasskeys('user-bob'), [bobs]);
      assert.deepEqual(await store.listPasskeys('user-unknown'), []);
    });

    it('records a use when the counter grew, and refuses one that did not (a clone)', async () => {
      const passkey = aPasskey({ counter: 5 });
      const other = aPasskey({ credentialId: 'b3RoZXI', counter: 5 });
      await store.insertPasskey(passkey);
      await store.insertPasskey(other);

      assert.equal(await store.usePasskey(passkey.credentialId, 6, now + 10), true);
      const used = { ...passkey, counter: 6, lastUsedAt: now + 10 };
      assert.deepEqual(await store.findPasskey(passkey.credentialId), used);
      assert.equal(await store.usePasskey(passkey.credentialId, 6, now + 20), false, 'the same counter');
      assert.equal(await store.usePasskey(passkey.credentialId, 3, now + 20), false, 'a lower counter');
      assert.equal(await store.usePasskey(passkey.credentialId, 0, now + 20), false, 'no counter any more');
      assert.deepEqual(await store.findPasskey(passkey.credentialId), used, 'nothing written');
      assert.deepEqual(await store.findPasskey(other.credentialId), other, 'another passkey untouched');

      assert.equal(await store.usePasskey(passkey.credentialId, 1000, now + 30), true, 'it may jump');
      assert.deepEqual(await store.findPasskey(passkey.credentialId), {
        ...passkey,
        counter: 1000,
        lastUsedAt: now + 30,
      });
    });

    it('accepts every use of an authenticator that keeps no counter, until it starts one', async () => {
      const passkey = aPasskey({ counter: 0 });
      await store.insertPasskey(passkey);
      assert.equal(await store.usePasskey(passkey.credentialId, 0, now + 10), true);
      assert.deepEqual(await store.findPasskey(passkey.credentialId), { ...passkey, lastUsedAt: now + 10 });
      assert.equal(await store.usePasskey(passkey.credentialId, 0, now + 20), true, 'and again');
      assert.deepEqual(await store.findPasskey(passkey.credentialId), { ...passkey, lastUsedAt: now + 20 });

      assert.equal(await store.usePasskey(passkey.credentialId, 1, now + 30), true);
      assert.equal(
        await store.usePasskey(passkey.credentialId, 0, now + 40),
        false,
        'a counter once seen stays',
      );
      assert.deepEqual(await store.findPasskey(passkey.credentialId), {
        ...passkey,
        counter: 1,
        lastUsedAt: now + 30,
      });
    });

    it('refuses a use of an unknown credential, creating nothing', async () => {
      await store.insertPasskey(aPasskey());
      assert.equal(await store.usePasskey('dW5rbm93bg', 6, now + 10), false);
      assert.equal(await store.usePasskey('dW5rbm93bg', 0, now + 10), false);
      assert.equal(await store.findPasskey('dW5rbm93bg'), null);
      assert.deepEqual(await store.findPasskey(aPasskey().credentialId), aPasskey());
    });

    it('lets exactly one of 10 concurrent uses of one counter win', async () => {
      const passkey = aPasskey({ counter: 5 });
      await store.insertPasskey(passkey);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.usePasskey(passkey.credentialId, 7, now + 1 + i)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.deepEqual(await store.findPasskey(passkey.credentialId), {
        ...passkey,
        counter: 7,
        lastUsedAt: now + 1 + results.indexOf(true),
      });
    });

    it('deletes a passkey for its owner only, and says whether it did', async () => {
      const passkey = aPasskey();
      const another = aPasskey({ credentialId: 'YW5vdGhlcg', createdAt: now + 1 });
      await store.insertPasskey(passkey);
      await store.insertPasskey(another);

      assert.equal(await store.deletePasskey('user-bob', passkey.credentialId), false, "not bob's");
      assert.deepEqual(await store.findPasskey(passkey.credentialId), passkey, 'so it stays');
      assert.equal(await store.deletePasskey('user-alice', passkey.credentialId), true);
      assert.equal(await store.findPasskey(passkey.credentialId), null);
      assert.equal(await store.deletePasskey('user-alice', passkey.credentialId), false, 'gone');
      assert.equal(await store.deletePasskey('user-alice', 'dW5rbm93bg'), false);
      assert.deepEqual(await store.listPasskeys('user-alice'), [another]);
      assert.equal(
        await store.usePasskey(passkey.credentialId, 6, now + 10),
        false,
        'a deleted one is not used',
      );
    });

    it('are deleted with their user', async () => {
      const passkey = aPasskey();
      const another = aPasskey({ credentialId: 'YW5vdGhlcg' });
      const bobs = aPasskey({ credentialId: 'Ym9i', userId: 'user-bob' });
      for (const record of [passkey, another, bobs]) await store.insertPasskey(record);

      assert.equal(await store.deleteUser('alice'), true);
      assert.equal(await store.findPasskey(passkey.credentialId), null);
      assert.equal(await store.findPasskey(another.credentialId), null);
      // A user of the same id later finds nothing of the old one's, and the ids are free again.
      await store.insertUser(aUser());
      assert.deepEqual(await store.listPasskeys('user-alice'), []);
      await store.insertPasskey(passkey);
      assert.deepEqual(await store.listPasskeys('user-alice'), [passkey]);

      assert.deepEqual(await store.listPasskeys('user-bob'), [bobs], "another user's passkey stays");
    });
  });

  describe('upstream identities', () => {
    beforeEach(seed);

    it('finds an identity as inserted, every field kept, and none for an unknown one', async () => {
      const withEmail = anUpstreamIdentity();
      const withoutEmail = anUpstreamIdentity({
        provider: 'corp-sso',
        subject: 'alice',
        email: null,
        createdAt: now + 1,
        lastUsedAt: now + 5,
      });
      const bobs = anUpstreamIdentity({ subject: 'bob', userId: 'user-bob', email: 'bob@gmail.example' });
      for (const identity of [withEmail, withoutEmail, bobs]) await store.insertUpstreamIdentity(identity);
      for (const identity of [withEmail, withoutEmail, bobs]) {
        assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), identity);
      }
      assert.equal(await store.findUpstreamIdentity('google', 'unknown'), null);
      assert.equal(await store.findUpstreamIdentity('unknown', withEmail.subject), null);
      assert.equal(await store.findUpstreamIdentity('corp-sso', withEmail.subject), null, 'another provider');
      assert.equal(
        await store.findUpstreamIdentity('google', withEmail.subject.toLowerCase()),
        null,
        'subjects are case-sensitive',
      );

      const found = await store.findUpstreamIdentity(withEmail.provider, withEmail.subject);
      assert.ok(found);
      found.email = 'mallory@example.com';
      assert.deepEqual(
        await store.findUpstreamIdentity(withEmail.provider, withEmail.subject),
        withEmail,
        'a copy is handed out',
      );
    });

    it('refuses a duplicate provider and subject, or an identity of an unknown user', async () => {
      const identity = anUpstreamIdentity();
      await store.insertUpstreamIdentity(identity);
      await assert.rejects(store.insertUpstreamIdentity({ ...identity, userId: 'user-bob', email: null }));
      await assert.rejects(
        store.insertUpstreamIdentity(anUpstreamIdentity({ subject: 'other', userId: 'user-unknown' })),
      );
      assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), identity);
      assert.equal(await store.findUpstreamIdentity('google', 'other'), null);
      assert.deepEqual(await store.listUpstreamIdentities('user-bob'), []);

      // The same subject at another provider is another person.
      const elsewhere = { ...identity, provider: 'corp-sso', userId: 'user-bob' };
      await store.insertUpstreamIdentity(elsewhere);
      assert.deepEqual(await store.findUpstreamIdentity('corp-sso', identity.subject), elsewhere);
      assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), identity);
    });

    it('records a sign-in: the address given and its time, nothing else', async () => {
      const identity = anUpstreamIdentity();
      const other = anUpstreamIdentity({ provider: 'corp-sso' });
      await store.insertUpstreamIdentity(identity);
      await store.insertUpstreamIdentity(other);

      await store.touchUpstreamIdentity(identity.provider, identity.subject, 'alice@new.example', now + 100);
      assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), {
        ...identity,
        email: 'alice@new.example',
        lastUsedAt: now + 100,
      });
      await store.touchUpstreamIdentity(identity.provider, identity.subject, null, now + 200);
      const touched = { ...identity, email: null, lastUsedAt: now + 200 };
      assert.deepEqual(await store.findUpstreamIdentity(identity.provider, identity.subject), touched);
      assert.deepEqual(
        await store.findUpstreamIdentity(other.provider, other.subject),
        other,
        'another untouched',
      );

      // An unknown identity: no error, nothing created.
      await store.touchUpstreamIdentity('google', 'unknown', 'x@example.com', now + 300);
      await store.touchUpstreamIdentity('unknown', identity.subject, 'x@example.com', now + 300);
      assert.equal(await store.findUpstreamIdentity('google', 'unknown'), null);
      assert.equal(await store.findUpstreamIdentity('unknown', identity.subject), null);
      assert.deepEqual(await store.listUpstreamIdentities('user-alice'), [other, touched]);
    });

    it("lists a user's identities only, oldest first (then by provider and subject), none for a user without", async () => {
      assert.deepEqual(await store.listUpstreamIdentities('user-alice'), []);
      // Ordered by bytes, as SQL's binary collation does.
      const sameSecond = (provider: string, subject: string) =>
        anUpstreamIdentity({ provider, subject, createdAt: now, lastUsedAt: now + 50 });
      const oldest = anUpstreamIdentity({ provider: 'zz', subject: 'zz', createdAt: now - 1 });
      const dash = sameSecond('-p', 'zz');
      const upperLower = sameSecond('Zp', 'as');
      const upperUpper = sameSecond('Zp', 'Zs');
      const upperUnderscore = sameSecond('Zp', '_s');
      const underscore = sameSecond('_p', 'AA');
      const lower = sameSecond('ap', 'AA');
      const newest = anUpstreamIdentity({ provider: 'AA', subject: 'AA', createdAt: now + 1 });
      const bobs = anUpstreamIdentity({ subject: 'bob', userId: 'user-bob', createdAt: now - 2 });
      for (const identity of [
        lower,
        newest,
        upperLower,
        bobs,
        underscore,
        upperUpper,
        oldest,
        dash,
        upperUnderscore,
      ]) {
        await store.insertUpstreamIdentity(identity);
      }
      assert.deepEqual(await store.listUpstreamIdentities('user-alice'), [
        oldest,
        dash,
        upperUpper,
        upperUnderscore,
        upperLower,
        underscore,
        lower,
        newest,
      ]);
      assert.deepEqual(await store.listUpstreamIdentities('user-bob'), [bobs]);
      assert.deepEqual(await store.listUpstreamIdentities('user-unknown'), []);
    });

    it('are deleted with their user', async () => {
      const identity = anUpstreamIdentity();
      const another = anUpstreamIdentity({ provider: 'corp-sso' });
      const bobs = anUpstreamIdentity({ subject: 'bob', userId: 'user-bob' });
      for (const record of [identity, another, bobs]) await store.insertUpstreamIdentity(record);

      assert.equal(await store.deleteUser('alice'), true);
      assert.equal(await store.findUpstreamIdentity(identity.provider, identity.subject), null);
      assert.equal(await store.findUpstreamIdentity(another.provider, another.subject), null);
      // A user of the same id later finds nothing of the old one's, and the identity is free again.
      await store.insertUser(aUser());
      assert.deepEqual(await store.listUpstreamIdentities('user-alice'), []);
      await store.insertUpstreamIdentity(identity);
      assert.deepEqual(await store.listUpstreamIdentities('user-alice'), [identity]);

      assert.deepEqual(
        await store.listUpstreamIdentities('user-bob'),
        [bobs],
        "another user's identity stays",
      );
    });
  });

  describe('clients', () => {
    it('finds a client as inserted, lists and booleans included', async () => {
      const confidential = aClient();
      const publicClient = aClient({
        clientId: 'spa',
        clientSecretHash: null,
        name: null,
        redirectUris: ['https://spa.example/'],
        postLogoutRedirectUris: [],
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        firstParty: false,
        idTokenSignedResponseAlg: 'RS256',
        alwaysIssueRefreshToken: false,
        allowMissingPkce: false,
      });
      await store.insertClient(confidential);
      await store.insertClient(publicClient);
      assert.deepEqual(await store.findClient('app'), confidential);
      assert.deepEqual(await store.findClient('spa'), publicClient);
      assert.equal(await store.findClient('other'), null);
    });

    it("keeps a client's keys, DPoP requirement, registration token hash and metadata", async () => {
      const client = aClient({
        clientId: 'registered',
        clientSecretHash: null,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: '{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y"}]}',
        jwksUri: 'https://registered.example/jwks.json',
        dpopBoundAccessTokens: true,
        registrationAccessTokenHash: 'registration-token-hash',
        metadata: {
          client_uri: 'https://registered.example/',
          contacts: ['ops@registered.example', 'Zoë <zoe@registered.example>'],
          logo_uri: null,
          nested: { a: [1, 2.5, true], b: 'say "hi"' },
        },
      });
      await store.insertClient(client);
      assert.deepEqual(await store.findClient('registered'), client);
      assert.deepEqual(await store.listClients(), [client]);
    });

    it("keeps a pairwise client's subject type and sector", async () => {
      const client = aClient({ subjectType: 'pairwise', sectorIdentifier: 'app.example' });
      await store.insertClient(client);
      assert.deepEqual(await store.findClient('app'), client);
      const moved = { ...client, subjectType: 'public' as const, sectorIdentifier: null };
      assert.equal(await store.updateClient(moved), true);
      assert.deepEqual(await store.listClients(), [moved]);
    });

    it('replaces a client whole, keeping what was issued to it, and says whether it existed', async () => {
      await seed();
      const grant = aGrant();
      await store.insertGrant(grant);
      const updated = aClient({
        clientSecretHash: 'new-secret-hash',
        name: 'App 2',
        redirectUris: ['https://app.example/new-callback'],
        postLogoutRedirectUris: [],
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        firstParty: false,
        idTokenSignedResponseAlg: 'RS256',
        alwaysIssueRefreshToken: false,
        allowMissingPkce: false,
        jwks: null,
        jwksUri: 'https://app.example/jwks',
        dpopBoundAccessTokens: true,
        registrationAccessTokenHash: 'new-registration-hash',
        metadata: { contacts: ['admin@app.example'] },
        createdAt: now + 5,
      });
      assert.equal(await store.updateClient(updated), true);
      assert.deepEqual(await store.findClient('app'), updated);
      assert.deepEqual(await store.findGrant(grant.id), grant, 'an update is no delete: nothing cascades');

      assert.equal(await store.updateClient(aClient({ clientId: 'unknown' })), false);
      assert.equal(await store.findClient('unknown'), null);
      assert.deepEqual(await store.listClients(), [updated]);
    });

    it('refuses a taken client id', async () => {
      await store.insertClient(aClient());
      await assert.rejects(store.insertClient(aClient({ name: 'Impostor' })));
      assert.equal((await store.findClient('app'))?.name, 'App');
    });

    it('lists clients by id', async () => {
      await store.insertClient(aClient({ clientId: 'c' }));
      await store.insertClient(aClient({ clientId: 'a' }));
      await store.insertClient(aClient({ clientId: 'b' }));
      assert.deepEqual(
        (await store.listClients()).map((client) => client.clientId),
        ['a', 'b', 'c'],
      );
    });

    it('deletes a client with everything issued to it, and says whether one was deleted', async () => {
      await seed();
      await store.insertClient(aClient({ clientId: 'other' }));
      const grant = aGrant();
      const token = await issueRefreshToken(grant);
      await store.saveConsent({ userId: 'user-alice', clientId: 'app', scopes: ['openid'], updatedAt: now });
      await store.saveConsent({
        userId: 'user-alice',
        clientId: 'other',
        scopes: ['openid'],
        updatedAt: now,
      });
      await store.insertInteraction(anInteraction());

      assert.equal(await store.deleteClient('app'), true);
      assert.equal(await store.deleteClient('app'), false);
      assert.equal(await store.findClient('app'), null);
      assert.equal(await store.findGrant(grant.id), null);
      assert.equal(await store.findRefreshToken(token.hash), null);
      assert.equal(await store.findConsent('user-alice', 'app'), null);
      assert.equal(await store.findInteraction('interaction-1'), null);
      assert.ok(await store.findConsent('user-alice', 'other'), "another client's consent stays");
      assert.ok(await store.findUserById('user-alice'));
    });
  });

  describe('signing keys', () => {
    it('lists all keys, retired ones included, oldest first', async () => {
      const newest = aSigningKey({ kid: 'newest', alg: 'RS256', createdAt: now + 2 });
      const retired = aSigningKey({ kid: 'retired', createdAt: now, retiredAt: now + 1 });
      const sameSecondFirst = aSigningKey({ kid: 'z-same-second-first', createdAt: now + 1 });
      const sameSecondSecond = aSigningKey({ kid: 'a-same-second-second', createdAt: now + 1 });
      for (const key of [newest, retired, sameSecondFirst, sameSecondSecond])
        await store.insertSigningKey(key);
      assert.deepEqual(await store.listSigningKeys(), [retired, sameSecondFirst, sameSecondSecond, newest]);
    });

    it('refuses a taken key id', async () => {
      await store.insertSigningKey(aSigningKey());
      await assert.rejects(store.insertSigningKey(aSigningKey({ publicJwk: '{}' })));
      assert.equal((await store.listSigningKeys()).length, 1);
    });

    it('retires an active key once: the first retirement time stays', async () => {
      const active = aSigningKey();
      const retired = aSigningKey({ kid: 'key-0', createdAt: now - day, retiredAt: now - 1 });
      await store.insertSigningKey(retired);
      await store.insertSigningKey(active);
      assert.equal(await store.retireSigningKey(active.kid, now + 5), true);
      assert.equal(await store.retireSigningKey(active.kid, now + 9), false);
      assert.equal(await store.retireSigningKey(retired.kid, now + 9), false);
      assert.equal(await store.retireSigningKey('unknown', now + 9), false);
      assert.deepEqual(await store.listSigningKeys(), [retired, { ...active, retiredAt: now + 5 }]);
    });

    it('deletes a key for good, and says whether one was deleted', async () => {
      const kept = aSigningKey({ kid: 'key-2', createdAt: now + 1 });
      await store.insertSigningKey(aSigningKey({ retiredAt: now }));
      await store.insertSigningKey(kept);
      assert.equal(await store.deleteSigningKey('key-1'), true);
      assert.equal(await store.deleteSigningKey('key-1'), false);
      assert.equal(await store.deleteSigningKey('unknown'), false);
      assert.deepEqual(await store.listSigningKeys(), [kept]);
      // The kid is free again.
      await store.insertSigningKey(aSigningKey({ createdAt: now + 2 }));
      assert.equal((await store.listSigningKeys()).length, 2);
    });
  });

  describe('interactions', () => {
    it('finds an interaction as inserted, then records who signed in', async () => {
      await seed();
      const interaction = anInteraction();
      await store.insertInteraction(interaction);
      assert.deepEqual(await store.findInteraction(interaction.id), interaction);

      assert.equal(await store.setInteractionPendingUser(interaction.id, 'user-alice'), true);
      assert.equal((await store.findInteraction(interaction.id))?.pendingUserId, 'user-alice');
      assert.equal(
        await store.setInteractionLogin(interaction.id, {
          userId: 'user-alice',
          authTime: now + 5,
          amr: ['pwd'],
        }),
        true,
      );
      assert.deepEqual(await store.findInteraction(interaction.id), {
        ...interaction,
        userId: 'user-alice',
        authTime: now + 5,
        amr: ['pwd'],
        pendingUserId: null,
      });
    });

    it('says when there is no interaction to record a login for', async () => {
      await seed();
      assert.equal(
        await store.setInteractionLogin('missing', { userId: 'user-alice', authTime: now, amr: [] }),
        false,
      );
      assert.equal(await store.findInteraction('missing'), null);
    });

    it('refuses a duplicate id, an unknown client or an unknown user', async () => {
      await seed();
      await store.insertInteraction(anInteraction());
      await assert.rejects(store.insertInteraction(anInteraction()));
      await assert.rejects(store.insertInteraction(anInteraction({ id: 'i2', clientId: 'unknown' })));
      await assert.rejects(
        store.insertInteraction(anInteraction({ id: 'i3', userId: 'unknown', authTime: now })),
      );
      await assert.rejects(
        store.setInteractionLogin('interaction-1', { userId: 'unknown', authTime: now, amr: [] }),
      );
      assert.equal((await store.findInteraction('interaction-1'))?.userId, null);
    });

    it('deletes an interaction', async () => {
      await seed();
      await store.insertInteraction(anInteraction());
      await store.deleteInteraction('interaction-1');
      await store.deleteInteraction('interaction-1');
      assert.equal(await store.findInteraction('interaction-1'), null);
    });

    it('keeps how someone signed in and who owes a second factor, as inserted', async () => {
      await seed();
      const signedIn = anInteraction({
        id: 'signed-in',
        userId: 'user-alice',
        authTime: now,
        amr: ['pwd', 'otp', 'mfa'],
      });
      const pending = anInteraction({ id: 'pending', pendingUserId: 'user-bob' });
      await store.insertInteraction(signedIn);
      await store.insertInteraction(pending);
      assert.deepEqual(await store.findInteraction(signedIn.id), signedIn);
      assert.deepEqual(await store.findInteraction(pending.id), pending);
    });

    it('sets and clears who owes a second factor, and says whether the interaction exists', async () => {
      await seed();
      const interaction = anInteraction();
      await store.insertInteraction(interaction);

      assert.equal(await store.setInteractionPendingUser(interaction.id, 'user-alice'), true);
      assert.deepEqual(await store.findInteraction(interaction.id), {
        ...interaction,
        pendingUserId: 'user-alice',
      });
      assert.equal(await store.setInteractionPendingUser(interaction.id, 'user-bob'), true);
      assert.equal((await store.findInteraction(interaction.id))?.pendingUserId, 'user-bob');
      assert.equal(await store.setInteractionPendingUser(interaction.id, null), true);
      assert.deepEqual(await store.findInteraction(interaction.id), interaction);

      assert.equal(await store.setInteractionPendingUser('missing', 'user-alice'), false);
      assert.equal(await store.setInteractionPendingUser('missing', null), false);
      assert.equal(await store.findInteraction('missing'), null);
    });

    it('refuses an unknown pending user, changing nothing', async () => {
      await seed();
      await store.insertInteraction(anInteraction());
      await assert.rejects(store.insertInteraction(anInteraction({ id: 'i2', pendingUserId: 'unknown' })));
      assert.equal(await store.findInteraction('i2'), null);
      assert.equal(await store.setInteractionPendingUser('interaction-1', 'user-alice'), true);
      await assert.rejects(store.setInteractionPendingUser('interaction-1', 'unknown'));
      assert.equal((await store.findInteraction('interaction-1'))?.pendingUserId, 'user-alice');
    });

    it('a login clears the pending user and records how they signed in (amr)', async () => {
      await seed();
      const interaction = anInteraction();
      await store.insertInteraction(interaction);
      assert.equal(await store.setInteractionPendingUser(interaction.id, 'user-alice'), true);
      const amr = ['pwd', 'otp', 'mfa'];
      const login = { userId: 'user-alice', authTime: now + 30, amr: [...amr] };
      assert.equal(await store.setInteractionLogin(interaction.id, login), true);
      const signedIn = { ...interaction, userId: 'user-alice', authTime: now + 30, amr, pendingUserId: null };
      assert.deepEqual(await store.findInteraction(interaction.id), signedIn);

      login.amr.push('changed');
      assert.deepEqual(await store.findInteraction(interaction.id), signedIn, 'the amr given is copied');
      const found = await store.findInteraction(interaction.id);
      assert.ok(found);
      found.amr.push('changed');
      assert.deepEqual(await store.findInteraction(interaction.id), signedIn, 'a copy is handed out');

      // Another login replaces the amr whole.
      assert.equal(
        await store.setInteractionLogin(interaction.id, {
          userId: 'user-bob',
          authTime: now + 40,
          amr: ['pwd'],
        }),
        true,
      );
      assert.deepEqual(await store.findInteraction(interaction.id), {
        ...interaction,
        userId: 'user-bob',
        authTime: now + 40,
        amr: ['pwd'],
      });
    });

    it('are deleted with their pending user', async () => {
      await seed();
      await store.insertInteraction(anInteraction({ id: 'alice-pending', pendingUserId: 'user-alice' }));
      await store.insertInteraction(anInteraction({ id: 'bob-pending', pendingUserId: 'user-bob' }));
      assert.equal(await store.deleteUser('alice'), true);
      assert.equal(await store.findInteraction('alice-pending'), null);
      assert.ok(await store.findInteraction('bob-pending'), "another user's interaction stays");
    });
  });

  describe('sessions', () => {
    it('finds a session by its hash, and deletes it', async () => {
      await seed();
      const session = aSession();
      await store.insertSession(session);
      assert.deepEqual(await store.findSession(session.idHash), session);
      assert.equal(await store.findSession('other'), null);
      await store.deleteSession(session.idHash);
      await store.deleteSession(session.idHash);
      assert.equal(await store.findSession(session.idHash), null);
    });

    it('keeps how the user signed in (amr), as inserted', async () => {
      await seed();
      const sessions = [
        aSession({ idHash: 'password', amr: ['pwd'] }),
        aSession({ idHash: 'second-factor', amr: ['pwd', 'otp', 'mfa'] }),
        aSession({ idHash: 'none', amr: [] }),
      ];
      for (const session of sessions) await store.insertSession(session);
      for (const session of sessions) assert.deepEqual(await store.findSession(session.idHash), session);
    });

    it('refuses a duplicate hash or an unknown user', async () => {
      await seed();
      await store.insertSession(aSession());
      await assert.rejects(store.insertSession(aSession({ userId: 'user-bob' })));
      await assert.rejects(store.insertSession(aSession({ idHash: 'other', userId: 'unknown' })));
      assert.equal((await store.findSession('session-hash'))?.userId, 'user-alice');
    });
  });

  describe("a user's sessions", () => {
    beforeEach(seed);

    it("lists a user's live sessions only, newest first (then by hash), none for a user without", async () => {
      assert.deepEqual(await store.listUserSessions('user-alice', now), []);
      // Hashes are base64url: ordered by their bytes, as SQL's binary collation does.
      const newest = aSession({ idHash: 'AAAA', createdAt: now + 2 });
      const sameSecond = (idHash: string) => aSession({ idHash, createdAt: now + 1 });
      const dash = sameSecond('-x');
      const upper = sameSecond('Zx');
      const underscore = sameSecond('_x');
      const lower = sameSecond('ax');
      const oldest = aSession({ idHash: 'zzzz', createdAt: now });
      // Expired at `listAt` (`expiresAt <= now`), though the newest.
      const listAt = now + 10;
      const expiring = aSession({ idHash: 'expiring', createdAt: now + 3, expiresAt: listAt });
      const bobs = aSession({ idHash: 'bob-session', userId: 'user-bob', createdAt: now + 5 });
      for (const session of [lower, expiring, newest, bobs, underscore, oldest, upper, dash]) {
        await store.insertSession(session);
      }

      const live = [newest, dash, upper, underscore, lower, oldest];
      assert.deepEqual(await store.listUserSessions('user-alice', listAt), live);
      assert.deepEqual(await store.listUserSessions('user-alice', listAt - 1), [expiring, ...live]);
      assert.deepEqual(await store.listUserSessions('user-alice', now + day), [], 'all expired');
      assert.deepEqual(await store.listUserSessions('user-bob', listAt), [bobs]);
      assert.deepEqual(await store.listUserSessions('user-unknown', listAt), []);
    });

    it('ends a session for its owner only, and says whether it did', async () => {
      const session = aSession();
      const another = aSession({ idHash: 'another', createdAt: now + 1 });
      const bobs = aSession({ idHash: 'bob-session', userId: 'user-bob' });
      for (const record of [session, another, bobs]) await store.insertSession(record);

      assert.equal(await store.deleteUserSession('user-bob', session.idHash), false, "not bob's");
      assert.deepEqual(await store.findSession(session.idHash), session, 'so it stays');
      assert.equal(await store.deleteUserSession('user-alice', session.idHash), true);
      assert.equal(await store.findSession(session.idHash), null);
      assert.equal(await store.deleteUserSession('user-alice', session.idHash), false, 'gone');
      assert.equal(await store.deleteUserSession('user-alice', 'unknown'), false);
      assert.equal(await store.deleteUserSession('user-alice', bobs.idHash), false, "not alice's");
      assert.deepEqual(await store.findSession(bobs.idHash), bobs, 'so it stays');
      assert.deepEqual(await store.listUserSessions('user-alice', now), [another]);
    });
  });

  describe('back-channel logout: the clients of a session', () => {
    beforeEach(async () => {
      await seed();
      await store.insertClient(aClient({ clientId: 'other-app' }));
    });

    /** `clientId` signed in through the session `sessionIdHash` of `userId`. */
    function aSessionClient(
      sessionIdHash = 'session-hash',
      clientId = 'app',
      userId = 'user-alice',
    ): Omit<SessionClientRecord, 'nextAttemptAt' | 'attempts'> {
      return {
        sessionIdHash,
        clientId,
        userId,
        sid: `sid ${sessionIdHash} ${clientId}`,
        createdAt: now,
        expiresAt: now + day,
      };
    }

    /** The records due at `at`, claimed with a lease to `at + 60`, in a stable order. */
    async function claim(at = now, limit = 100): Promise<SessionClientRecord[]> {
      const claimed = await store.claimDueLogouts(at, at + 60, limit);
      return claimed.sort(
        (a, b) => a.sessionIdHash.localeCompare(b.sessionIdHash) || a.clientId.localeCompare(b.clientId),
      );
    }

    const due = (
      record: Omit<SessionClientRecord, 'nextAttemptAt' | 'attempts'>,
      attempts = 1,
      nextAttemptAt = now + 60,
    ): SessionClientRecord => ({ ...record, nextAttemptAt, attempts });

    it('owes nothing while the session lives; ending it makes its clients due, once each', async () => {
      await store.insertSession(aSession());
      await store.insertSession(aSession({ idHash: 'another' }));
      const app = aSessionClient();
      const other = aSessionClient('session-hash', 'other-app');
      const elsewhere = aSessionClient('another');
      for (const record of [app, other, elsewhere]) await store.insertSessionClient(record);
      // A second sign-in of the same client through the same session changes nothing.
      await store.insertSessionClient({ ...app, sid: 'another sid', createdAt: now + 5 });
      assert.deepEqual(await claim(), []);

      await store.deleteSession('session-hash');
      assert.deepEqual(await claim(), [due(app), due(other)], 'not the other session’s client');
      assert.deepEqual(await claim(now + 59), [], 'claimed: leased until now + 60');
      assert.deepEqual(await claim(now + 60), [due(app, 2, now + 120), due(other, 2, now + 120)]);
    });

    it('settles a delivery: due again at the retry time, or gone', async () => {
      await store.insertSession(aSession());
      const app = aSessionClient();
      const other = aSessionClient('session-hash', 'other-app');
      await store.insertSessionClient(app);
      await store.insertSessionClient(other);
      await store.deleteSession('session-hash');
      assert.equal((await claim()).length, 2);
      await store.settleLogout(app.sessionIdHash, app.clientId, now + 5);
      await store.settleLogout(other.sessionIdHash, other.clientId, null);
      assert.deepEqual(await claim(now + 4), []);
      assert.deepEqual(await claim(now + 5), [due(app, 2, now + 65)]);
      await store.settleLogout(app.sessionIdHash, app.clientId, null);
      await store.settleLogout('unknown', 'app', now);
      assert.deepEqual(await claim(now + day), []);
    });

    it('claims the longest due first, at most `limit`', async () => {
      for (const idHash of ['s1', 's2', 's3']) {
        await store.insertSession(aSession({ idHash }));
        await store.insertSessionClient(aSessionClient(idHash));
        await store.deleteSession(idHash);
      }
      const [first] = await store.claimDueLogouts(now, now + 60, 1);
      await store.settleLogout(first!.sessionIdHash, 'app', now + 1);
      const next = await store.claimDueLogouts(now + 1, now + 61, 2);
      assert.equal(next.length, 2);
      assert.ok(
        next.every((record) => record.sessionIdHash !== first!.sessionIdHash),
        'due at 0 before now + 1',
      );
    });

    it('makes due what the session-ending methods end, and nothing else', async () => {
      const sessions = [
        aSession({ idHash: 'a1' }),
        aSession({ idHash: 'a2' }),
        aSession({ idHash: 'b1', userId: 'user-bob' }),
      ];
      for (const session of sessions) {
        await store.insertSession(session);
        await store.insertSessionClient(aSessionClient(session.idHash, 'app', session.userId));
      }
      assert.equal(await store.deleteUserSession('user-bob', 'a1'), false, "not bob's");
      await store.deleteSession('unknown');
      assert.deepEqual(await claim(), []);
      assert.equal(await store.deleteUserSession('user-alice', 'a1'), true);
      assert.deepEqual(await claim(), [due(aSessionClient('a1'))]);

      await store.revokeUserAccess('user-alice', now);
      assert.deepEqual(await claim(), [due(aSessionClient('a2'))]);

      // A deleted user's clients are still told: the records outlive the user.
      assert.equal(await store.deleteUser('bob'), true);
      assert.deepEqual(await claim(), [due(aSessionClient('b1', 'app', 'user-bob'))]);
    });

    it('forgets the records of a deleted client, and refuses an unknown one', async () => {
      await store.insertSession(aSession());
      await store.insertSessionClient(aSessionClient('session-hash', 'other-app'));
      await assert.rejects(store.insertSessionClient(aSessionClient('session-hash', 'unknown')));
      assert.equal(await store.deleteClient('other-app'), true);
      await store.deleteSession('session-hash');
      assert.deepEqual(await claim(), []);
    });

    it('sweeps the records of expired sessions, never a logout still owed', async () => {
      await store.insertSession(aSession({ idHash: 'lives', expiresAt: now + day }));
      await store.insertSession(aSession({ idHash: 'ended', expiresAt: now + 10 }));
      await store.insertSessionClient({ ...aSessionClient('expired'), expiresAt: now + 10 });
      await store.insertSessionClient({ ...aSessionClient('lives'), expiresAt: now + day });
      await store.insertSessionClient({ ...aSessionClient('ended'), expiresAt: now + 10 });
      await store.deleteSession('ended');
      assert.ok((await store.sweepExpired(now + 10, now)) >= 1);
      assert.deepEqual(await claim(now + 10), [
        due({ ...aSessionClient('ended'), expiresAt: now + 10 }, 1, now + 70),
      ]);
      await store.deleteSession('lives');
      assert.deepEqual(await claim(now + 10), [due(aSessionClient('lives'), 1, now + 70)], 'it was kept');
    });

    it('lets each due logout be claimed by exactly one of 10 concurrent claims', async () => {
      for (const idHash of ['s1', 's2', 's3', 's4', 's5']) {
        await store.insertSession(aSession({ idHash }));
        await store.insertSessionClient(aSessionClient(idHash));
        await store.deleteSession(idHash);
      }
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => store.claimDueLogouts(now, now + 60, 2)),
      );
      const claimed = claims.flat().map((record) => record.sessionIdHash);
      assert.deepEqual(claimed.sort(), ['s1', 's2', 's3', 's4', 's5']);
    });
  });

  describe('consents', () => {
    it('saves a consent, then replaces it', async () => {
      await seed();
      assert.equal(await store.findConsent('user-alice', 'app'), null);
      const first = { userId: 'user-alice', clientId: 'app', scopes: ['openid'], updatedAt: now };
      await store.saveConsent(first);
      assert.deepEqual(await store.findConsent('user-alice', 'app'), first);
      const second = { ...first, scopes: ['openid', 'email', 'offline_access'], updatedAt: now + 1 };
      await store.saveConsent(second);
      assert.deepEqual(await store.findConsent('user-alice', 'app'), second);
      assert.equal(await store.findConsent('user-bob', 'app'), null);
    });

    it('refuses an unknown user or client', async () => {
      await seed();
      await assert.rejects(
        store.saveConsent({ userId: 'unknown', clientId: 'app', scopes: [], updatedAt: now }),
      );
      await assert.rejects(
        store.saveConsent({ userId: 'user-alice', clientId: 'unknown', scopes: [], updatedAt: now }),
      );
    });
  });

  describe('grants', () => {
    it('finds a grant by id and by code hash, as inserted', async () => {
      await seed();
      const grant = aGrant({ nonce: null, codeChallenge: null });
      await store.insertGrant(grant);
      assert.deepEqual(await store.findGrant(grant.id), grant);
      assert.deepEqual(await store.findGrantByCodeHash(grant.codeHash), grant);
      assert.equal(await store.findGrant('other'), null);
      assert.equal(await store.findGrantByCodeHash('other'), null);
    });

    it("keeps a grant's resources and DPoP key binding", async () => {
      await seed();
      const grant = aGrant({
        resources: ['https://api.example/', 'urn:example:resource'],
        dpopJkt: 'jkt-a',
      });
      await store.insertGrant(grant);
      assert.deepEqual(await store.findGrant(grant.id), grant);
      assert.deepEqual(await store.findGrantByCodeHash(grant.codeHash), grant);
    });

    it("keeps a grant's claims request, and the redemptions return it", async () => {
      await seed();
      const grant = aGrant({ claims: claimsRequest });
      await store.insertGrant(grant);
      assert.deepEqual(await store.findGrant(grant.id), grant);
      assert.deepEqual(await store.findGrantByCodeHash(grant.codeHash), grant);
      assert.equal((await store.redeemCode(redemptionOf(grant)))?.claims, claimsRequest);
      const token = aRefreshToken(grant);
      await store.insertRefreshToken(token);
      assert.equal((await store.rotateRefreshToken(rotationOf(token)))?.grant.claims, claimsRequest);
    });

    it('keeps how the user signed in (amr), as inserted, and redeemCode returns it', async () => {
      await seed();
      const mfa = aGrant({ amr: ['pwd', 'otp', 'mfa'] });
      const password = aGrant({ id: 'grant-2', codeHash: 'code-hash-2', amr: ['pwd'] });
      for (const grant of [mfa, password]) {
        await store.insertGrant(grant);
        assert.deepEqual(await store.findGrant(grant.id), grant);
        assert.deepEqual(await store.findGrantByCodeHash(grant.codeHash), grant);
        const redeemed = await store.redeemCode(redemptionOf(grant));
        assert.deepEqual(redeemed?.amr, grant.amr);
        assert.deepEqual(redeemed, { ...grant, codeConsumedAt: now + 1 });
      }
    });

    it('refuses a duplicate id or code, an unknown client or an unknown user', async () => {
      await seed();
      await store.insertGrant(aGrant());
      await assert.rejects(store.insertGrant(aGrant({ codeHash: 'other-code' })));
      await assert.rejects(store.insertGrant(aGrant({ id: 'grant-2' })));
      await assert.rejects(store.insertGrant(aGrant({ id: 'grant-3', codeHash: 'c3', clientId: 'unknown' })));
      await assert.rejects(store.insertGrant(aGrant({ id: 'grant-4', codeHash: 'c4', userId: 'unknown' })));
      assert.equal(await store.findGrant('grant-2'), null);
    });

    it('revokes a grant once: the first revocation time stays', async () => {
      await seed();
      await store.insertGrant(aGrant());
      await store.revokeGrant('grant-1', now + 5);
      await store.revokeGrant('grant-1', now + 9);
      await store.revokeGrant('unknown', now);
      assert.equal((await store.findGrant('grant-1'))?.revokedAt, now + 5);
    });
  });

  describe('redeemCode', () => {
    beforeEach(seed);

    it('wins once: the grant is marked consumed, nothing else changes', async () => {
      const grant = aGrant();
      await store.insertGrant(grant);
      const redeemed = await store.redeemCode(redemptionOf(grant));
      const expected = { ...grant, codeConsumedAt: now + 1 };
      assert.deepEqual(redeemed, expected);
      assert.deepEqual(await store.findGrant(grant.id), expected);
      assert.equal(await store.redeemCode(redemptionOf(grant, { now: now + 2 })), null);
      assert.equal((await store.findGrant(grant.id))?.codeConsumedAt, now + 1);
    });

    it('wins for a code issued without a challenge when none is presented', async () => {
      const grant = aGrant({ codeChallenge: null });
      await store.insertGrant(grant);
      assert.ok(await store.redeemCode(redemptionOf(grant)));
    });

    it('wins for a DPoP-bound code with a proof by its key', async () => {
      const grant = aGrant({ dpopJkt: 'jkt-a' });
      await store.insertGrant(grant);
      assert.deepEqual(await store.redeemCode(redemptionOf(grant, { dpopJkt: 'jkt-a' })), {
        ...grant,
        codeConsumedAt: now + 1,
      });
    });

    it('wins for a code bound to no key, with a proof by any key', async () => {
      const grant = aGrant({ dpopJkt: null });
      await store.insertGrant(grant);
      assert.deepEqual(await store.redeemCode(redemptionOf(grant, { dpopJkt: 'jkt-any' })), {
        ...grant,
        codeConsumedAt: now + 1,
      });
    });

    const losers: [string, Partial<GrantRecord>, Partial<CodeRedemption>][] = [
      ['an unknown code', {}, { codeHash: 'unknown' }],
      ['another client', {}, { clientId: 'other' }],
      ['another redirect URI', {}, { redirectUri: 'https://app.example/other' }],
      ['another challenge', {}, { codeChallenge: 'other-challenge' }],
      ['no challenge for a code issued with one', {}, { codeChallenge: null }],
      ['a challenge for a code issued without one', { codeChallenge: null }, { codeChallenge: 'challenge' }],
      ['an expired code', {}, { now: now + 60 }],
      ['an already consumed code', { codeConsumedAt: now }, {}],
      ['a revoked grant', { revokedAt: now }, {}],
      ['a proof by another key for a DPoP-bound code', { dpopJkt: 'jkt-a' }, { dpopJkt: 'jkt-b' }],
      ['no proof for a DPoP-bound code', { dpopJkt: 'jkt-a' }, { dpopJkt: null }],
    ];
    for (const [what, grantOverrides, redemptionOverrides] of losers) {
      it(`loses for ${what}, writing nothing`, async () => {
        const grant = aGrant(grantOverrides);
        await store.insertGrant(grant);
        assert.equal(await store.redeemCode(redemptionOf(grant, redemptionOverrides)), null);
        assert.deepEqual(await store.findGrant(grant.id), grant);
      });
    }

    it('lets exactly one of 20 concurrent redemptions win', async () => {
      const grant = aGrant();
      await store.insertGrant(grant);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.redeemCode(redemptionOf(grant, { now: now + 1 + i }))),
      );
      const winners = results.filter((result) => result !== null);
      assert.equal(winners.length, 1);
      assert.deepEqual(await store.findGrant(grant.id), winners[0]);
    });
  });

  describe('insertRefreshToken', () => {
    beforeEach(seed);

    it('stores a refresh token after the redemption and extends the grant to its expiry', async () => {
      const grant = aGrant();
      await store.insertGrant(grant);
      assert.ok(await store.redeemCode(redemptionOf(grant)));
      const refreshToken = aRefreshToken(grant);
      await store.insertRefreshToken(refreshToken);
      assert.deepEqual(await store.findRefreshToken(refreshToken.hash), refreshToken);
      assert.equal(await store.findRefreshToken('other'), null);
      assert.equal((await store.findGrant(grant.id))?.expiresAt, refreshToken.expiresAt);
    });

    it("keeps a refresh token's DPoP key binding and sealed successor", async () => {
      const grant = aGrant();
      await store.insertGrant(grant);
      assert.ok(await store.redeemCode(redemptionOf(grant)));
      const refreshToken = aRefreshToken(grant, { dpopJkt: 'jkt-a', successorSealed: 'sealed' });
      await store.insertRefreshToken(refreshToken);
      assert.deepEqual(await store.findRefreshToken(refreshToken.hash), refreshToken);
    });

    it('never shortens the grant', async () => {
      const grant = aGrant({ expiresAt: now + 30 * day });
      await store.insertGrant(grant);
      assert.ok(await store.redeemCode(redemptionOf(grant)));
      await store.insertRefreshToken(aRefreshToken(grant, { expiresAt: now + day }));
      assert.equal((await store.findGrant(grant.id))?.expiresAt, now + 30 * day);
    });

    it('refuses a duplicate hash, writing nothing', async () => {
      const first = aGrant();
      const second = aGrant({ id: 'grant-2', codeHash: 'code-hash-2' });
      await store.insertGrant(first);
      await store.insertGrant(second);
      assert.ok(await store.redeemCode(redemptionOf(first)));
      const redeemedSecond = await store.redeemCode(redemptionOf(second));
      assert.ok(redeemedSecond);
      const taken = aRefreshToken(first);
      await store.insertRefreshToken(taken);

      await assert.rejects(
        store.insertRefreshToken({ ...taken, grantId: second.id, expiresAt: now + 60 * day }),
      );
      assert.deepEqual(await store.findRefreshToken(taken.hash), taken);
      assert.deepEqual(await store.findGrant(second.id), redeemedSecond, 'the grant is not extended');
    });

    it('refuses a token of an unknown grant', async () => {
      const token = aRefreshToken(aGrant({ id: 'unknown' }));
      await assert.rejects(store.insertRefreshToken(token));
      assert.equal(await store.findRefreshToken(token.hash), null);
    });
  });

  describe('rotateRefreshToken', () => {
    beforeEach(seed);

    it('wins once: the old token is marked rotated, the successor stored, the grant extended', async () => {
      const token = await issueRefreshToken();
      const rotation = rotationOf(token);
      const result = await store.rotateRefreshToken(rotation);
      assert.ok(result);
      assert.deepEqual(result.previous, {
        ...token,
        rotatedAt: now + 100,
        successorSealed: 'sealed refresh-hash-2',
      });
      assert.deepEqual(result.grant, {
        ...aGrant(),
        codeConsumedAt: now + 1,
        expiresAt: now + 100 + 30 * day,
      });
      assert.deepEqual(await store.findRefreshToken(token.hash), result.previous);
      assert.deepEqual(await store.findRefreshToken('refresh-hash-2'), {
        ...rotation.next,
        grantId: token.grantId,
      });
      assert.deepEqual(await store.findGrant(token.grantId), result.grant);

      assert.equal(await store.rotateRefreshToken(rotationOf(token, 'refresh-hash-3')), null);
      assert.equal(await store.findRefreshToken('refresh-hash-3'), null);
    });

    it('binds the successor to the DPoP key given, and seals nothing when told so', async () => {
      const grant = aGrant({ dpopJkt: 'jkt-a' });
      await store.insertGrant(grant);
      assert.ok(await store.redeemCode(redemptionOf(grant)));
      const token = aRefreshToken(grant, { dpopJkt: 'jkt-a' });
      await store.insertRefreshToken(token);

      const result = await store.rotateRefreshToken({ ...rotationOf(token), successorSealed: null });
      assert.deepEqual(result?.previous, { ...token, rotatedAt: now + 100 });
      assert.deepEqual(await store.findRefreshToken('refresh-hash-2'), {
        ...rotationOf(token).next,
        grantId: grant.id,
        dpopJkt: 'jkt-a',
      });
    });

    it('never shortens the grant', async () => {
      const token = await issueRefreshToken();
      const result = await store.rotateRefreshToken({ ...rotationOf(token), grantExpiresAt: now + 200 });
      assert.equal(result?.grant.expiresAt, now + 30 * day);
      assert.equal((await store.findGrant(token.grantId))?.expiresAt, now + 30 * day);
    });

    it('refuses an unknown token', async () => {
      const token = await issueRefreshToken();
      assert.equal(await store.rotateRefreshToken({ ...rotationOf(token), hash: 'unknown' }), null);
    });

    it("refuses another client's token", async () => {
      const token = await issueRefreshToken();
      assert.equal(await store.rotateRefreshToken({ ...rotationOf(token), clientId: 'other' }), null);
      assert.equal((await store.findRefreshToken(token.hash))?.rotatedAt, null);
    });

    it('refuses an expired token', async () => {
      const token = await issueRefreshToken();
      assert.equal(await store.rotateRefreshToken({ ...rotationOf(token), now: token.expiresAt }), null);
      assert.equal(await store.findRefreshToken('refresh-hash-2'), null);
    });

    it('refuses a token of a revoked grant', async () => {
      const token = await issueRefreshToken();
      await store.revokeGrant(token.grantId, now + 50);
      assert.equal(await store.rotateRefreshToken(rotationOf(token)), null);
      assert.equal((await store.findRefreshToken(token.hash))?.rotatedAt, null);
      assert.equal(await store.findRefreshToken('refresh-hash-2'), null);
    });

    it('is all or nothing: a successor that cannot be stored leaves the token unrotated', async () => {
      const token = await issueRefreshToken();
      await assert.rejects(store.rotateRefreshToken(rotationOf(token, token.hash)));
      assert.deepEqual(await store.findRefreshToken(token.hash), token);
      assert.equal((await store.findGrant(token.grantId))?.expiresAt, now + 30 * day);
    });

    it('lets exactly one of 20 concurrent rotations win', async () => {
      const token = await issueRefreshToken();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.rotateRefreshToken(rotationOf(token, `successor-${i}`))),
      );
      assert.equal(results.filter((result) => result !== null).length, 1);
      // The losers wrote nothing: the rotated token keeps the winner's sealed successor.
      const winner = results.findIndex((result) => result !== null);
      assert.equal((await store.findRefreshToken(token.hash))?.successorSealed, `sealed successor-${winner}`);
    });
  });

  describe("a user's grants", () => {
    beforeEach(seed);

    it("lists a user's redeemed, unrevoked, live grants only, newest first (then by id)", async () => {
      await store.insertClient(aClient({ clientId: 'other-app' }));
      const listAt = now + 100;
      // Live at `listAt` unless told otherwise; `id` doubles as code hash.
      const grant = (id: string, overrides: Partial<GrantRecord> = {}) =>
        aGrant({ id, codeHash: `code-${id}`, expiresAt: now + day, ...overrides });
      assert.deepEqual(await store.listUserGrants('user-alice', listAt), []);

      // Ids are ordered by their bytes, as SQL's binary collation does.
      const newest = await insertRedeemed(grant('AAAA', { createdAt: now }));
      const sameSecond = (id: string) => insertRedeemed(grant(id, { createdAt: now - 1 }));
      const lower = await sameSecond('ax');
      const dash = await sameSecond('-x');
      const underscore = await sameSecond('_x');
      const upper = await sameSecond('Zx');
      const otherClient = await insertRedeemed(grant('zzzz', { clientId: 'other-app', createdAt: now - 2 }));
      const lastSecond = await insertRedeemed(
        grant('last-second', { createdAt: now - 3, expiresAt: listAt + 1 }),
      );
      // Left out, though newer: not redeemed, revoked, expired at `listAt`, or bob's.
      await store.insertGrant(grant('unredeemed', { createdAt: now + 5 }));
      await insertRedeemed(grant('revoked', { createdAt: now + 5 }));
      await store.revokeGrant('revoked', now + 50);
      const expiring = await insertRedeemed(grant('expiring', { createdAt: now + 5, expiresAt: listAt }));
      const bobs = await insertRedeemed(grant('bob', { userId: 'user-bob', createdAt: now + 5 }));

      const live = [newest, dash, upper, underscore, lower, otherClient, lastSecond];
      assert.deepEqual(await store.listUserGrants('user-alice', listAt), live);
      assert.deepEqual(await store.listUserGrants('user-alice', listAt - 1), [expiring, ...live]);
      assert.deepEqual(await store.listUserGrants('user-alice', now + day), [], 'all expired');
      assert.deepEqual(await store.listUserGrants('user-bob', listAt), [bobs]);
      assert.deepEqual(await store.listUserGrants('user-unknown', listAt), []);
    });
  });

  describe('revokeUserClientAccess', () => {
    beforeEach(async () => {
      await seed();
      await store.insertClient(aClient({ clientId: 'other-app' }));
    });

    /** Saves the consent of `userId` to `clientId`, and returns it. */
    async function consent(userId: string, clientId: string) {
      const record = { userId, clientId, scopes: ['openid'], updatedAt: now };
      await store.saveConsent(record);
      return record;
    }

    it("revokes the user's grants to the client and forgets that consent, touching nothing else", async () => {
      await consent('user-alice', 'app');
      const aliceOther = await consent('user-alice', 'other-app');
      const bobApp = await consent('user-bob', 'app');
      const session = aSession();
      await store.insertSession(session);

      const token = await issueRefreshToken();
      const unredeemed = aGrant({ id: 'grant-2', codeHash: 'code-hash-2' });
      await store.insertGrant(unredeemed);
      const revokedEarlier = aGrant({ id: 'grant-3', codeHash: 'code-hash-3', revokedAt: now - 5 });
      await store.insertGrant(revokedEarlier);
      const otherToken = await issueRefreshToken(
        aGrant({ id: 'grant-other', codeHash: 'code-hash-other', clientId: 'other-app' }),
        { hash: 'other-refresh' },
      );
      const bobToken = await issueRefreshToken(
        aGrant({ id: 'grant-bob', codeHash: 'code-hash-bob', userId: 'user-bob' }),
        { hash: 'bob-refresh' },
      );
      const redeemedBefore = await store.findGrant(token.grantId);
      const otherBefore = await store.findGrant(otherToken.grantId);
      const bobBefore = await store.findGrant(bobToken.grantId);

      await store.revokeUserClientAccess('user-alice', 'app', now + 50);

      assert.deepEqual(await store.findGrant(token.grantId), { ...redeemedBefore, revokedAt: now + 50 });
      assert.deepEqual(await store.findGrant(unredeemed.id), { ...unredeemed, revokedAt: now + 50 });
      assert.deepEqual(
        await store.findGrant(revokedEarlier.id),
        revokedEarlier,
        'an earlier revocation stays',
      );
      assert.deepEqual(
        await store.findGrant(otherToken.grantId),
        otherBefore,
        'her grant to another client stays',
      );
      assert.deepEqual(await store.findGrant(bobToken.grantId), bobBefore, "another user's grant stays");
      assert.equal(await store.findConsent('user-alice', 'app'), null);
      assert.deepEqual(await store.findConsent('user-alice', 'other-app'), aliceOther);
      assert.deepEqual(await store.findConsent('user-bob', 'app'), bobApp);
      assert.deepEqual(await store.findSession(session.idHash), session, 'she stays signed in');
      assert.deepEqual(await store.listUserGrants('user-alice', now + 50), [otherBefore]);

      // The app's tokens stop working; the other app's and bob's still do.
      assert.equal(await store.rotateRefreshToken(rotationOf(token)), null);
      assert.deepEqual(await store.findRefreshToken(token.hash), token, 'the lost rotation wrote nothing');
      assert.equal(await store.redeemCode(redemptionOf(unredeemed)), null);
      assert.ok(await store.rotateRefreshToken(rotationOf(otherToken, 'other-successor')));
      assert.ok(await store.rotateRefreshToken(rotationOf(bobToken, 'bob-successor')));
    });

    it('does nothing for a client the user never used, or an unknown user or client', async () => {
      const aliceApp = await consent('user-alice', 'app');
      const grant = aGrant();
      await store.insertGrant(grant);
      await store.revokeUserClientAccess('user-alice', 'other-app', now + 50);
      await store.revokeUserClientAccess('user-unknown', 'app', now + 50);
      await store.revokeUserClientAccess('user-alice', 'unknown', now + 50);
      assert.deepEqual(await store.findGrant(grant.id), grant);
      assert.deepEqual(await store.findConsent('user-alice', 'app'), aliceApp);
    });
  });

  describe('login failures', () => {
    it('counts failures per key since a time, and forgets them on clear', async () => {
      await store.recordLoginFailure(['user:alice', 'ip:203.0.113.9'], now);
      await store.recordLoginFailure(['user:alice', 'ip:203.0.113.9'], now + 10);
      await store.recordLoginFailure(['user:alice'], now + 10);
      assert.equal(await store.countLoginFailures('user:alice', now), 3);
      assert.equal(await store.countLoginFailures('user:alice', now + 10), 2);
      assert.equal(await store.countLoginFailures('user:alice', now + 11), 0);
      assert.equal(await store.countLoginFailures('ip:203.0.113.9', now), 2);
      assert.equal(await store.countLoginFailures('user:bob', 0), 0);

      await store.clearLoginFailures('user:alice');
      assert.equal(await store.countLoginFailures('user:alice', 0), 0);
      assert.equal(await store.countLoginFailures('ip:203.0.113.9', 0), 2);
    });
  });

  describe('rememberOnce', () => {
    it('records a key the first time, and refuses it while it is recorded', async () => {
      const until = wallClock() + 60;
      assert.equal(await store.rememberOnce('dpop:jti-1', until, wallClock()), true);
      assert.equal(await store.rememberOnce('dpop:jti-1', until, wallClock()), false);
      assert.equal(await store.rememberOnce('dpop:jti-1', until + 600, wallClock()), false);
      assert.equal(await store.rememberOnce('dpop:jti-2', until, wallClock()), true);
    });

    it('records a key again once its record expired', async () => {
      // Expired means `expiresAt <= now`: a record until this second is already over (the store's
      // clock cannot be behind the test's).
      assert.equal(await store.rememberOnce('assertion:app:jti', wallClock() - 60, wallClock()), true);
      assert.equal(await store.rememberOnce('assertion:app:jti', wallClock(), wallClock()), true);
      assert.equal(await store.rememberOnce('assertion:app:jti', wallClock() + 60, wallClock()), true);
      assert.equal(await store.rememberOnce('assertion:app:jti', wallClock() + 60, wallClock()), false);
    });

    it('lets exactly one of 20 concurrent calls record a key', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.rememberOnce('dpop:jti', wallClock() + 60, wallClock())),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });
  });

  describe('sharedValue', () => {
    it("stores the first caller's candidate and returns it to every caller", async () => {
      assert.equal(await store.sharedValue('dpop-nonce-key', 'first'), 'first');
      assert.equal(await store.sharedValue('dpop-nonce-key', 'second'), 'first');
      assert.equal(await store.sharedValue('other', 'second'), 'second');
    });

    it('gives 20 concurrent callers one of their candidates, the same to all', async () => {
      const candidates = Array.from({ length: 20 }, (_, i) => `candidate-${i}`);
      const values = await Promise.all(candidates.map((candidate) => store.sharedValue('key', candidate)));
      assert.equal(new Set(values).size, 1);
      assert.ok(candidates.includes(values[0]!));
      assert.equal(await store.sharedValue('key', 'late'), values[0]);
    });
  });

  describe('audit log', () => {
    /** Events of several kinds, in id order. */
    function events(): AuditEventRecord[] {
      return [
        anAuditEvent({ id: 'e1', time: now, type: 'sign_in', outcome: 'failure', reason: 'wrong_password' }),
        anAuditEvent({
          id: 'e2',
          time: now + 1,
          type: 'token',
          clientId: 'app',
          details: { grant_type: 'authorization_code' },
        }),
        anAuditEvent({
          id: 'e3',
          time: now + 2,
          type: 'token.code_replay',
          outcome: 'failure',
          reason: 'invalid_grant',
        }),
        anAuditEvent({
          id: 'e4',
          time: now + 3,
          type: 'admin.client.created',
          userId: null,
          actorId: 'user-admin',
          clientId: 'other',
        }),
        anAuditEvent({
          id: 'e5',
          time: now + 4,
          type: 'sign_in_elsewhere',
          userId: 'user-bob',
          ip: null,
          details: {},
        }),
      ];
    }

    it('appends events and lists them oldest first, exactly as written', async () => {
      await store.appendAuditEvents(events().slice(0, 2));
      await store.appendAuditEvents(events().slice(2));
      assert.deepEqual(await store.listAuditEvents({ limit: 100 }), events());
    });

    it('appends a batch all or none: a taken id refuses the whole batch', async () => {
      await store.appendAuditEvents(events().slice(0, 1));
      await assert.rejects(store.appendAuditEvents([anAuditEvent({ id: 'e9' }), anAuditEvent({ id: 'e1' })]));
      assert.deepEqual(
        (await store.listAuditEvents({ limit: 100 })).map((event) => event.id),
        ['e1'],
      );
      await store.appendAuditEvents([]);
    });

    it('filters by time, type (with subtypes, underscores taken literally), user, client and outcome', async () => {
      await store.appendAuditEvents(events());
      const ids = async (query: Omit<AuditQuery, 'limit'>) =>
        (await store.listAuditEvents({ limit: 100, ...query })).map((event) => event.id);
      assert.deepEqual(await ids({ since: now + 1, until: now + 3 }), ['e2', 'e3']);
      assert.deepEqual(await ids({ type: 'token' }), ['e2', 'e3']);
      assert.deepEqual(await ids({ type: 'token.code_replay' }), ['e3']);
      assert.deepEqual(await ids({ type: 'admin' }), ['e4']);
      assert.deepEqual(await ids({ type: 'sign_in' }), ['e1'], 'sign_in_elsewhere is another type');
      assert.deepEqual(
        await ids({ type: 'sign' }),
        [],
        'a prefix that is not a whole segment matches nothing',
      );
      assert.deepEqual(await ids({ type: 'sign%' }), []);
      assert.deepEqual(await ids({ userId: 'user-bob' }), ['e5']);
      assert.deepEqual(await ids({ clientId: 'other' }), ['e4']);
      assert.deepEqual(await ids({ outcome: 'failure' }), ['e1', 'e3']);
      assert.deepEqual(await ids({ outcome: 'failure', type: 'sign_in', since: now }), ['e1']);
    });

    it('pages with a limit and an id cursor, in either order', async () => {
      await store.appendAuditEvents(events());
      const ids = (list: AuditEventRecord[]) => list.map((event) => event.id);
      assert.deepEqual(ids(await store.listAuditEvents({ limit: 2 })), ['e1', 'e2']);
      assert.deepEqual(ids(await store.listAuditEvents({ limit: 2, after: 'e2' })), ['e3', 'e4']);
      assert.deepEqual(ids(await store.listAuditEvents({ limit: 2, newestFirst: true })), ['e5', 'e4']);
      assert.deepEqual(ids(await store.listAuditEvents({ limit: 2, newestFirst: true, after: 'e4' })), [
        'e3',
        'e2',
      ]);
    });

    it('deletes only the events older than the retention start', async () => {
      await store.appendAuditEvents(events());
      assert.equal(await store.deleteAuditEventsBefore(now + 2), 2);
      assert.deepEqual(
        (await store.listAuditEvents({ limit: 100 })).map((event) => event.id),
        ['e3', 'e4', 'e5'],
      );
      assert.equal(await store.deleteAuditEventsBefore(now + 2), 0);
    });

    it('keeps events of users and clients that are deleted', async () => {
      await seed();
      await store.appendAuditEvents([anAuditEvent({ id: 'e1', userId: 'user-alice', clientId: 'app' })]);
      await store.deleteUser('alice');
      await store.deleteClient('app');
      assert.equal((await store.listAuditEvents({ limit: 10, userId: 'user-alice' })).length, 1);
    });

    it('answers a ping', async () => {
      await store.ping();
    });
  });

  describe('settings', () => {
    it('saves, replaces and deletes settings by name', async () => {
      assert.deepEqual(await store.listSettings(), {});
      await store.saveSetting('registration', '"open"', now);
      await store.saveSetting('signUp', 'true', now);
      await store.saveSetting('registration', '"token"', now + 1);
      assert.deepEqual(await store.listSettings(), { registration: '"token"', signUp: 'true' });
      await store.saveSetting('signUp', null, now + 2);
      await store.saveSetting('unknown', null, now + 2);
      assert.deepEqual(await store.listSettings(), { registration: '"token"' });
    });
  });

  describe('pushed requests', () => {
    it('stores a pushed request and lets its client use it once, before it expires', async () => {
      await seed();
      const pushed = {
        hash: 'par-1',
        clientId: 'app',
        parameters: { scope: 'openid', state: 'x' },
        expiresAt: now + 60,
      };
      await store.insertPushedRequest(pushed);
      await assert.rejects(store.insertPushedRequest(pushed), 'a taken hash');
      await assert.rejects(
        store.insertPushedRequest({ ...pushed, hash: 'par-2', clientId: 'nobody' }),
        'an unknown client',
      );
      assert.equal(await store.consumePushedRequest('par-1', 'other-client', now), null, 'another client’s');
      assert.equal(await store.consumePushedRequest('par-1', 'app', now + 60), null, 'expired');
      assert.deepEqual(await store.consumePushedRequest('par-1', 'app', now + 59), pushed.parameters);
      assert.equal(await store.consumePushedRequest('par-1', 'app', now + 59), null, 'used');
      assert.equal(await store.consumePushedRequest('unknown', 'app', now), null);
    });

    it('lets one of 10 concurrent uses win, and sweeps expired ones', async () => {
      await seed();
      await store.insertPushedRequest({
        hash: 'par-1',
        clientId: 'app',
        parameters: {},
        expiresAt: now + 60,
      });
      const uses = await Promise.all(
        Array.from({ length: 10 }, () => store.consumePushedRequest('par-1', 'app', now)),
      );
      assert.equal(uses.filter((used) => used !== null).length, 1);
      await store.insertPushedRequest({
        hash: 'par-2',
        clientId: 'app',
        parameters: {},
        expiresAt: now + 60,
      });
      assert.equal(await store.sweepExpired(now + 60, 0), 2);
    });
  });

  describe('device authorizations', () => {
    it('stores one, finds it by its user code, and refuses taken codes and unknown clients', async () => {
      await seed();
      const authorization = aDeviceAuthorization();
      await store.insertDeviceAuthorization(authorization);
      assert.deepEqual(await store.findDeviceAuthorizationByUserCode('user-code-1'), authorization);
      assert.equal(
        await store.findDeviceAuthorizationByUserCode('device-code-1'),
        null,
        'not by its device code',
      );
      await assert.rejects(
        store.insertDeviceAuthorization({ ...authorization, userCodeHash: 'user-code-2' }),
        'a taken device code',
      );
      await assert.rejects(
        store.insertDeviceAuthorization({ ...authorization, deviceCodeHash: 'device-code-2' }),
        'a taken user code',
      );
      await assert.rejects(
        store.insertDeviceAuthorization(
          aDeviceAuthorization({ deviceCodeHash: 'd-3', userCodeHash: 'u-3', clientId: 'nobody' }),
        ),
        'an unknown client',
      );
    });

    it('answers each poll as RFC 8628 says: pending, slow_down (+5 s), approved once, then spent', async () => {
      await seed();
      await store.insertDeviceAuthorization(aDeviceAuthorization());
      const poll = (at: number, clientId = 'app') =>
        store.pollDeviceAuthorization('device-code-1', clientId, at);

      assert.equal(await poll(now, 'other-client'), null, 'another client’s device code');
      assert.equal(await store.pollDeviceAuthorization('unknown', 'app', now), null);
      assert.equal((await poll(now))?.outcome, 'authorization_pending', 'the first poll may come at once');
      const tooSoon = await poll(now + 4);
      assert.equal(tooSoon?.outcome, 'slow_down');
      assert.equal(tooSoon?.authorization.interval, 10, 'the interval grew by 5 s');
      assert.equal((await poll(now + 13))?.outcome, 'slow_down', '9 s is too soon for the new 10 s interval');
      assert.equal((await store.findDeviceAuthorizationByUserCode('user-code-1'))?.interval, 15);
      const onTime = await poll(now + 28);
      assert.equal(onTime?.outcome, 'authorization_pending', 'after waiting the interval');
      assert.equal(onTime?.authorization.lastPolledAt, now + 28);

      assert.equal(await store.decideDeviceAuthorization('user-code-1', anApproval(), now + 30), true);
      assert.equal(
        await store.decideDeviceAuthorization('user-code-1', anApproval({ approved: false }), now + 30),
        false,
        'decided once',
      );
      const approved = await poll(now + 31);
      assert.equal(approved?.outcome, 'approved', 'an approved poll is not slowed down');
      assert.deepEqual(approved?.authorization, {
        ...aDeviceAuthorization(),
        status: 'approved',
        userId: 'user-alice',
        authTime: now - 10,
        amr: ['pwd', 'otp', 'mfa'],
        interval: 15,
        lastPolledAt: now + 31,
        consumedAt: now + 31,
      });
      assert.equal((await poll(now + 60))?.outcome, 'spent');
      assert.equal((await poll(now + 601))?.outcome, 'spent', 'spent beats expired');
    });

    it('answers access_denied after a denial and expired_token after expiry; decides nothing late', async () => {
      await seed();
      await store.insertDeviceAuthorization(aDeviceAuthorization());
      await store.insertDeviceAuthorization(
        aDeviceAuthorization({ deviceCodeHash: 'device-code-2', userCodeHash: 'user-code-2' }),
      );
      assert.equal(
        await store.decideDeviceAuthorization('user-code-1', anApproval({ approved: false }), now + 1),
        true,
      );
      const denied = await store.pollDeviceAuthorization('device-code-1', 'app', now + 2);
      assert.equal(denied?.outcome, 'access_denied');
      assert.equal(denied?.authorization.status, 'denied');
      assert.equal(denied?.authorization.userId, 'user-alice', 'who denied it');
      assert.equal(
        (await store.pollDeviceAuthorization('device-code-1', 'app', now + 20))?.outcome,
        'access_denied',
      );

      assert.equal(
        await store.decideDeviceAuthorization('user-code-2', anApproval(), now + 600),
        false,
        'expired',
      );
      assert.equal(
        (await store.pollDeviceAuthorization('device-code-2', 'app', now + 600))?.outcome,
        'expired_token',
      );
      assert.equal(await store.decideDeviceAuthorization('unknown', anApproval(), now), false);
    });

    it('lets exactly one of 10 concurrent polls of an approved code get the tokens', async () => {
      await seed();
      await store.insertDeviceAuthorization(aDeviceAuthorization());
      await store.decideDeviceAuthorization('user-code-1', anApproval(), now);
      const polls = await Promise.all(
        Array.from({ length: 10 }, () => store.pollDeviceAuthorization('device-code-1', 'app', now + 1)),
      );
      assert.deepEqual(polls.map((poll) => poll?.outcome).sort(), [
        'approved',
        ...Array.from({ length: 9 }, () => 'spent'),
      ]);
    });

    it('goes with its client and with the user who decided it', async () => {
      await seed();
      await store.insertDeviceAuthorization(aDeviceAuthorization());
      await store.insertDeviceAuthorization(
        aDeviceAuthorization({ deviceCodeHash: 'device-code-2', userCodeHash: 'user-code-2' }),
      );
      await store.decideDeviceAuthorization('user-code-1', anApproval({ userId: 'user-bob' }), now);
      assert.equal(await store.deleteUser('bob'), true);
      assert.equal(await store.findDeviceAuthorizationByUserCode('user-code-1'), null);
      assert.ok(await store.findDeviceAuthorizationByUserCode('user-code-2'), 'an undecided one stays');
      assert.equal(await store.deleteClient('app'), true);
      assert.equal(await store.findDeviceAuthorizationByUserCode('user-code-2'), null);
    });

    it('is swept an hour after it expired, so a late poll still learns expired_token', async () => {
      await seed();
      await store.insertDeviceAuthorization(aDeviceAuthorization());
      assert.equal(await store.sweepExpired(now + 600, 0), 0);
      assert.equal(await store.sweepExpired(now + 600 + 3599, 0), 0);
      assert.equal(
        (await store.pollDeviceAuthorization('device-code-1', 'app', now + 4000))?.outcome,
        'expired_token',
      );
      assert.equal(await store.sweepExpired(now + 600 + 3600, 0), 1);
      assert.equal(await store.findDeviceAuthorizationByUserCode('user-code-1'), null);
    });
  });

  describe('sweepExpired', () => {
    it('deletes exactly what expired, refresh tokens of swept grants included, and counts it', async () => {
      await seed();
      // Expired means `expiresAt <= now`, as a code is only redeemable while `codeExpiresAt > now`.
      const sweepAt = now + 1000;
      await store.insertInteraction(anInteraction({ id: 'expired', expiresAt: sweepAt }));
      await store.insertInteraction(anInteraction({ id: 'live', expiresAt: sweepAt + 1 }));
      await store.insertSession(aSession({ idHash: 'expired', expiresAt: sweepAt - 1 }));
      await store.insertSession(aSession({ idHash: 'live', expiresAt: sweepAt + 1 }));
      const expiredGrant = aGrant({ id: 'expired', codeHash: 'expired', expiresAt: sweepAt });
      await store.insertGrant(expiredGrant);
      assert.ok(await store.redeemCode(redemptionOf(expiredGrant)));
      await store.insertRefreshToken(aRefreshToken(expiredGrant, { expiresAt: sweepAt }));
      const liveGrant = aGrant({ id: 'live', codeHash: 'live', expiresAt: now + 30 * day });
      await store.insertGrant(liveGrant);
      assert.ok(await store.redeemCode(redemptionOf(liveGrant)));
      await store.insertRefreshToken(aRefreshToken(liveGrant, { hash: 'live-refresh', expiresAt: sweepAt }));
      await store.insertGrant(aGrant({ id: 'unredeemed', codeHash: 'unredeemed', expiresAt: now + 60 }));
      await store.recordLoginFailure(['user:alice', 'ip:203.0.113.9'], now);
      await store.recordLoginFailure(['user:alice'], now + 500);

      // 1 interaction, 1 session, 2 grants, 1 refresh token, 2 login failures
      assert.equal(await store.sweepExpired(sweepAt, now + 500), 7);

      assert.equal(await store.findInteraction('expired'), null);
      assert.ok(await store.findInteraction('live'));
      assert.equal(await store.findSession('expired'), null);
      assert.ok(await store.findSession('live'));
      assert.equal(await store.findGrant('expired'), null);
      assert.equal(await store.findGrant('unredeemed'), null);
      assert.equal(await store.findRefreshToken('refresh-hash-1'), null);
      assert.ok(await store.findGrant('live'));
      assert.ok(await store.findRefreshToken('live-refresh'), 'an expired token of a live grant stays');
      assert.equal(await store.countLoginFailures('user:alice', 0), 1);
      assert.equal(await store.countLoginFailures('ip:203.0.113.9', 0), 0);
      assert.ok(await store.findUserById('user-alice'));
      assert.ok(await store.findClient('app'));

      assert.equal(await store.sweepExpired(sweepAt, now + 500), 0);
    });

    it('deletes the expired rememberOnce records, and counts them', async () => {
      const sweepAt = now + 1000;
      const live = wallClock() + 60;
      await store.rememberOnce('expired', sweepAt, wallClock());
      await store.rememberOnce('expired-earlier', sweepAt - 1, wallClock());
      await store.rememberOnce('not-yet-at-sweep', sweepAt + 1, wallClock());
      await store.rememberOnce('live', live, wallClock());

      assert.equal(await store.sweepExpired(sweepAt, 0), 2);
      assert.equal(await store.sweepExpired(sweepAt, 0), 0);
      assert.equal(await store.rememberOnce('live', live, wallClock()), false, 'a live record stays');
      assert.equal(await store.sweepExpired(sweepAt + 1, 0), 1);
    });

    it('deletes the expired account tokens, used or not, and counts them', async () => {
      await seed();
      const sweepAt = now + 1000;
      const expired = anAccountToken({ hash: 'expired', expiresAt: sweepAt });
      const usedAndExpired = anAccountToken({ hash: 'used', expiresAt: sweepAt - 1, consumedAt: now + 1 });
      const expiredSignUp = aSignUpToken({ hash: 'expired-sign-up', expiresAt: sweepAt - 100 });
      const live = anAccountToken({ hash: 'live', expiresAt: sweepAt + 1 });
      const liveSignUp = aSignUpToken({ hash: 'live-sign-up', expiresAt: sweepAt + day });
      for (const token of [expired, usedAndExpired, expiredSignUp, live, liveSignUp]) {
        await store.insertAccountToken(token);
      }

      assert.equal(await store.sweepExpired(sweepAt, 0), 3);
      for (const hash of ['expired', 'used', 'expired-sign-up']) {
        assert.equal(await store.findAccountToken(hash), null, hash);
      }
      assert.deepEqual(await store.findAccountToken('live'), live);
      assert.deepEqual(await store.findAccountToken('live-sign-up'), liveSignUp);
      assert.ok(
        await store.consumeAccountToken('live', 'reset-password', sweepAt),
        'a live token still works',
      );
      assert.equal(await store.sweepExpired(sweepAt, 0), 0);
      assert.equal(await store.sweepExpired(sweepAt + 1, 0), 1);
    });
  });
}

describe('MemoryStore', () => {
  storeContract(async () => new MemoryStore());
});

describe('SqliteStore', () => {
  let dir: string;
  let files = 0;
  /** A fresh database file in the suite's temporary directory. */
  const freshFile = () => path.join(dir, `${++files}.db`);
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codegrant-store-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  storeContract(() => openSqliteStore(freshFile()));

  it('keeps its data across close and reopen', async () => {
    const file = freshFile();
    const first = await openSqliteStore(file);
    await first.insertUser(aUser());
    await first.insertClient(aClient());
    await first.insertGrant(aGrant());
    await first.close();

    const second = await openSqliteStore(file);
    try {
      assert.deepEqual(await second.findUserByUsername('alice'), aUser());
      assert.deepEqual(await second.findClient('app'), aClient());
      assert.ok(await second.redeemCode(redemptionOf(aGrant())));
    } finally {
      await second.close();
    }
  });

  it('migrates once: running migrate() again, or on a reopened file, changes nothing', async () => {
    const file = freshFile();
    const store = await openSqliteStore(file);
    await store.insertUser(aUser());
    await store.migrate();
    await store.close();
    await (await openSqliteStore(file)).close();

    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all(), allMigrations);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.prepare('SELECT COUNT(*) FROM users').pluck().get(), 1);
    } finally {
      db.close();
    }
  });

  /**
   * Makes a file as a codegrant at schema `version` left it (its migrations recorded as applied at
   * `now`, then `rows` written), opens it with the store, which migrates it, runs `assertUpgraded`,
   * and checks that every migration is now recorded, those applied before not run again.
   *
   * @returns the file
   */
  async function upgradeFrom(
    version: number,
    rows: string,
    assertUpgraded: (store: Store) => Promise<void>,
  ): Promise<string> {
    const file = freshFile();
    const db = new Database(file);
    try {
      db.exec(createSchemaMigrationsTable);
      const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
      for (const migration of migrationsUpTo(version)) {
        db.exec(migrationSql(migration, 'sqlite'));
        record.run(migration.id, migration.name, now);
      }
      db.exec(rows);
    } finally {
      db.close();
    }

    const store = await openSqliteStore(file);
    try {
      await assertUpgraded(store);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assertMigrationsRecorded(
        version,
        check.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all(),
        check
          .prepare('SELECT applied_at FROM schema_migrations WHERE id <= ? ORDER BY id')
          .pluck()
          .all(version),
      );
    } finally {
      check.close();
    }
    return file;
  }

  it("upgrades a file migrated at version 1, its rows taking the new columns' defaults", async () => {
    await upgradeFrom(1, version1Rows, assertUpgradedFromVersion1);
  });

  /** Which of the indexes `names` the database in `file` has, by name. */
  function indexesOf(file: string, names: string[]): string[] {
    const check = new Database(file, { readonly: true });
    try {
      return check
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (${names.map(() => '?').join(', ')}) ORDER BY name`,
        )
        .pluck()
        .all(...names) as string[];
    } finally {
      check.close();
    }
  }

  it('migrates a database of schema 2 with data in it to the current schema, losing nothing', async () => {
    const file = await upgradeFrom(2, version2Rows, assertUpgradedFromVersion2);
    assert.deepEqual(indexesOf(file, version3Indexes), version3Indexes);
  });

  it('migrates a database of schema 3 with data in it to schema 4', async () => {
    await upgradeFrom(3, version3Rows, assertUpgradedFromVersion3);
  });

  it('migrates a database of schema 4 with data in it to schema 5', async () => {
    const file = await upgradeFrom(4, version4Rows, assertUpgradedFromVersion4);
    assert.deepEqual(indexesOf(file, version5Indexes), version5Indexes);
  });

  it('migrates a database of schema 5 with data in it to schema 6', async () => {
    const file = await upgradeFrom(5, version5Rows, assertUpgradedFromVersion5);
    assert.deepEqual(indexesOf(file, version6Indexes), version6Indexes);
  });

  it('migrates a database of schema 6 with data in it to schema 7', async () => {
    const file = await upgradeFrom(6, version6Rows, assertUpgradedFromVersion6);
    assert.deepEqual(indexesOf(file, version7Indexes), version7Indexes);
  });

  it('migrates a database of schema 7 with data in it to schema 8', async () => {
    const file = await upgradeFrom(7, version7Rows, assertUpgradedFromVersion7);
    assert.deepEqual(indexesOf(file, version8Indexes), version8Indexes);
  });

  it('migrates a database of schema 8 with data in it to schema 9', async () => {
    const file = await upgradeFrom(8, version8Rows, assertUpgradedFromVersion8);
    assert.deepEqual(indexesOf(file, version9Indexes), version9Indexes);
  });

  it('migrates a database of schema 9 with data in it to schema 10', async () => {
    await upgradeFrom(9, version9Rows, assertUpgradedFromVersion9);
  });

  it('migrates a database of schema 10 with data in it to schema 11', async () => {
    const file = await upgradeFrom(10, version10Rows, assertUpgradedFromVersion10);
    assert.deepEqual(indexesOf(file, version11Indexes), version11Indexes);
  });

  it('refuses a file migrated by a newer version', async () => {
    const file = freshFile();
    await (await openSqliteStore(file)).close();
    const db = new Database(file);
    db.prepare(
      "INSERT INTO schema_migrations (id, name, applied_at) VALUES (999, 'from the future', 0)",
    ).run();
    db.close();
    await assert.rejects(openSqliteStore(file), /999/);
  });

  it('refuses a synchronous setting it does not know', () => {
    assert.throws(() => new SqliteStore(freshFile(), { synchronous: 'OFF' as 'FULL' }), TypeError);
  });

  it('lets exactly one of 20 concurrent redemptions win across 4 connections to one file', async () => {
    const file = freshFile();
    const first = await openSqliteStore(file, { synchronous: 'FULL' });
    // The others migrate concurrently, as processes starting together would.
    const stores = [first, ...(await Promise.all([1, 2, 3].map(() => openSqliteStore(file))))];
    try {
      await first.insertUser(aUser());
      await first.insertClient(aClient());
      const grant = aGrant();
      await first.insertGrant(grant);
      const redemptions = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % 4]!.redeemCode(redemptionOf(grant))),
      );
      assert.equal(redemptions.filter((result) => result !== null).length, 1);
      const winnerStore = stores[redemptions.findIndex((result) => result !== null) % 4]!;
      // The single winner stores the grant's first refresh token; the others see it.
      const token = aRefreshToken(grant);
      await winnerStore.insertRefreshToken(token);
      for (const store of stores) assert.deepEqual(await store.findRefreshToken(token.hash), token);

      const rotations = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.rotateRefreshToken(rotationOf(token, `successor-${i}`)),
        ),
      );
      assert.equal(rotations.filter((result) => result !== null).length, 1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('records a key once and shares one value across 4 connections to one file', async () => {
    const file = freshFile();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openSqliteStore(file)));
    try {
      const recorded = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.rememberOnce('dpop:jti', wallClock() + 60, wallClock()),
        ),
      );
      assert.equal(recorded.filter(Boolean).length, 1);
      // An expired record is taken over by exactly one caller too.
      await stores[0]!.rememberOnce('expired', wallClock() - 60, wallClock());
      const takenOver = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.rememberOnce('expired', wallClock() + 60, wallClock()),
        ),
      );
      assert.equal(takenOver.filter(Boolean).length, 1);

      const values = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % 4]!.sharedValue('key', `candidate-${i}`)),
      );
      assert.equal(new Set(values).size, 1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('lets exactly one redemption win across 4 processes racing on one file', {
    timeout: 60_000,
  }, async () => {
    const file = freshFile();
    const store = await openSqliteStore(file);
    await store.insertUser(aUser());
    await store.insertClient(aClient());
    const grant = aGrant();
    await store.insertGrant(grant);
    await store.close();

    // Each process opens the file, says it is ready and, on the signal, tries 5 redemptions.
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(new URL('../src/store/sqlite.ts', import.meta.url).href)});
      const store = new SqliteStore(${JSON.stringify(file)});
      const redemption = ${JSON.stringify(redemptionOf(grant))};
      console.log('ready');
      process.stdin.once('data', async () => {
        const results = await Promise.all(Array.from({ length: 5 }, () => store.redeemCode(redemption)));
        console.log(results.filter((result) => result !== null).length);
        await store.close();
        process.exit(0);
      });`;
    const runs = Array.from({ length: 4 }, () => {
      const child = spawn(
        process.execPath,
        ['--conditions=codegrant-source', '--import', 'tsx', '--input-type=module', '--eval', script],
        { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit'] },
      );
      let output = '';
      child.stdout.setEncoding('utf8');
      const ready = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.startsWith('ready\n')) resolve();
        });
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { child, ready, closed, output: () => output };
    });
    await Promise.all(runs.map((run) => run.ready));
    for (const run of runs) run.child.stdin.end('go\n');
    assert.deepEqual(await Promise.all(runs.map((run) => run.closed)), [0, 0, 0, 0]);
    const wins = runs.map((run) => Number(run.output().trim().split('\n').at(-1)));
    assert.equal(
      wins.reduce((sum, n) => sum + n, 0),
      1,
      `wins per process: ${wins.join(', ')}`,
    );
  });
});

describe('PostgresStore', () => {
  let pg: TestPostgres;
  /** The contract's schema, emptied before each test. */
  let schema: string;
  before(async () => {
    pg = await startTestPostgres();
    schema = pg.schemaName('contract');
  });
  after(() => pg.dispose());

  // A schema per test would cost a migration each; emptying one is much faster (and DELETE, on
  // these few rows, much faster than TRUNCATE).
  storeContract(async () => {
    const store = await openPostgresStore(pg.url, { schema });
    const tables = await pg.sql<{ name: string }[]>`
      SELECT tablename AS name FROM pg_tables WHERE schemaname = ${schema} AND tablename <> 'schema_migrations'`;
    await pg.sql.begin((tx) => tables.map((table) => tx`DELETE FROM ${tx(`${schema}.${table.name}`)}`));
    return store;
  });

  /** The ids and names in `schema_migrations` of `name`. */
  function appliedMigrations(name: string) {
    return pg.sql`SELECT id, name FROM ${pg.sql(name)}.schema_migrations ORDER BY id`.then((rows) => [
      ...rows,
    ]);
  }

  it('creates its schema, quoted as given, and migrates once', async () => {
    const name = pg.schemaName('Mixed-Case');
    const store = new PostgresStore(pg.url, { schema: name });
    try {
      await store.migrate();
      await store.insertUser(aUser());
      await store.migrate();
    } finally {
      await store.close();
    }
    await (await openPostgresStore(pg.url, { schema: name })).close();

    assert.deepEqual(await appliedMigrations(name), allMigrations);
    const [users] = await pg.sql`SELECT COUNT(*)::int AS count FROM ${pg.sql(name)}.users`;
    assert.equal(users?.count, 1);
  });

  it('keeps its data across close and reopen, and shows it to another pool at once', async () => {
    const name = pg.schemaName();
    const first = await openPostgresStore(pg.url, { schema: name });
    const other = await openPostgresStore(pg.url, { schema: name, max: 1 });
    try {
      await first.insertUser(aUser());
      await first.insertClient(aClient());
      await first.insertGrant(aGrant());
      assert.deepEqual(await other.findUserByUsername('alice'), aUser());
    } finally {
      await Promise.all([first.close(), other.close()]);
    }

    const reopened = await openPostgresStore(pg.url, { schema: name });
    try {
      assert.deepEqual(await reopened.findClient('app'), aClient());
      assert.ok(await reopened.redeemCode(redemptionOf(aGrant())));
    } finally {
      await reopened.close();
    }
  });

  it('keeps times past 2038 and past 2^32 seconds as numbers', async () => {
    const store = await openPostgresStore(pg.url, { schema: pg.schemaName() });
    try {
      await store.insertUser(aUser());
      await store.insertClient(aClient());
      const grant = aGrant({ codeExpiresAt: 2 ** 31 + 1, expiresAt: 2 ** 40 });
      await store.insertGrant(grant);
      assert.deepEqual(await store.findGrant(grant.id), grant);
      assert.deepEqual(await store.redeemCode(redemptionOf(grant, { now: 2 ** 31 })), {
        ...grant,
        codeConsumedAt: 2 ** 31,
      });
    } finally {
      await store.close();
    }
  });

  /**
   * Makes a schema as a codegrant at schema `version` left it (its migrations recorded as applied at
   * `now`, then `rows` written), opens it with the store, which migrates it, runs `assertUpgraded`,
   * and checks that every migration is now recorded, those applied before not run again.
   *
   * @returns the schema's name
   */
  async function upgradeFrom(
    version: number,
    rows: string,
    assertUpgraded: (store: Store) => Promise<void>,
  ): Promise<string> {
    const name = pg.schemaName();
    await pg.sql.begin(async (tx) => {
      await tx`CREATE SCHEMA ${tx(name)}`;
      await tx`SET LOCAL search_path TO ${tx(name)}`;
      await tx.unsafe(createSchemaMigrationsTable);
      for (const migration of migrationsUpTo(version)) {
        await tx.unsafe(migrationSql(migration, 'postgres')).simple();
        await tx`
          INSERT INTO schema_migrations (id, name, applied_at) VALUES (${migration.id}, ${migration.name}, ${now})`;
      }
      await tx.unsafe(rows).simple();
    });

    const store = await openPostgresStore(pg.url, { schema: name });
    try {
      await assertUpgraded(store);
    } finally {
      await store.close();
    }
    const old = await pg.sql`
      SELECT applied_at::int AS at FROM ${pg.sql(name)}.schema_migrations WHERE id <= ${version} ORDER BY id`;
    assertMigrationsRecorded(
      version,
      await appliedMigrations(name),
      old.map((row) => row.at),
    );
    return name;
  }

  it("upgrades a schema migrated at version 1, its rows taking the new columns' defaults", async () => {
    await upgradeFrom(1, version1Rows, assertUpgradedFromVersion1);
  });

  /** Which of the indexes `names` the schema `name` has, by name. */
  async function indexesOf(name: string, names: string[]): Promise<string[]> {
    const rows = await pg.sql`
      SELECT indexname FROM pg_indexes WHERE schemaname = ${name} AND indexname IN ${pg.sql(names)}
      ORDER BY indexname`;
    return rows.map((row) => row.indexname);
  }

  it('migrates a database of schema 2 with data in it to the current schema, losing nothing', async () => {
    const name = await upgradeFrom(2, version2Rows, assertUpgradedFromVersion2);
    assert.deepEqual(await indexesOf(name, version3Indexes), version3Indexes);
  });

  it('migrates a database of schema 3 with data in it to schema 4', async () => {
    await upgradeFrom(3, version3Rows, assertUpgradedFromVersion3);
  });

  it('migrates a database of schema 4 with data in it to schema 5', async () => {
    const name = await upgradeFrom(4, version4Rows, assertUpgradedFromVersion4);
    assert.deepEqual(await indexesOf(name, version5Indexes), version5Indexes);
  });

  it('migrates a database of schema 5 with data in it to schema 6', async () => {
    const name = await upgradeFrom(5, version5Rows, assertUpgradedFromVersion5);
    assert.deepEqual(await indexesOf(name, version6Indexes), version6Indexes);
  });

  it('migrates a database of schema 6 with data in it to schema 7', async () => {
    const name = await upgradeFrom(6, version6Rows, assertUpgradedFromVersion6);
    assert.deepEqual(await indexesOf(name, version7Indexes), version7Indexes);
  });

  it('migrates a database of schema 7 with data in it to schema 8', async () => {
    const name = await upgradeFrom(7, version7Rows, assertUpgradedFromVersion7);
    assert.deepEqual(await indexesOf(name, version8Indexes), version8Indexes);
  });

  it('migrates a database of schema 8 with data in it to schema 9', async () => {
    const name = await upgradeFrom(8, version8Rows, assertUpgradedFromVersion8);
    assert.deepEqual(await indexesOf(name, version9Indexes), version9Indexes);
  });

  it('migrates a database of schema 9 with data in it to schema 10', async () => {
    await upgradeFrom(9, version9Rows, assertUpgradedFromVersion9);
  });

  it('migrates a database of schema 10 with data in it to schema 11', async () => {
    const name = await upgradeFrom(10, version10Rows, assertUpgradedFromVersion10);
    assert.deepEqual(await indexesOf(name, version11Indexes), version11Indexes);
  });

  it('refuses a schema migrated by a newer version', async () => {
    const name = pg.schemaName();
    await (await openPostgresStore(pg.url, { schema: name })).close();
    await pg.sql`
      INSERT INTO ${pg.sql(name)}.schema_migrations (id, name, applied_at) VALUES (999, 'from the future', 0)`;
    await assert.rejects(openPostgresStore(pg.url, { schema: name }), /999/);
  });

  it('records a key once and shares one value across 4 pools', async () => {
    const name = pg.schemaName();
    const stores = await Promise.all(
      [1, 2, 3, 4].map(() => openPostgresStore(pg.url, { schema: name, max: 5 })),
    );
    try {
      const recorded = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.rememberOnce('dpop:jti', wallClock() + 60, wallClock()),
        ),
      );
      assert.equal(recorded.filter(Boolean).length, 1);
      // An expired record is taken over by exactly one caller too.
      await stores[0]!.rememberOnce('expired', wallClock() - 60, wallClock());
      const takenOver = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.rememberOnce('expired', wallClock() + 60, wallClock()),
        ),
      );
      assert.equal(takenOver.filter(Boolean).length, 1);

      const values = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % 4]!.sharedValue('key', `candidate-${i}`)),
      );
      assert.equal(new Set(values).size, 1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('lets exactly one of 20 concurrent redemptions win across 4 pools that migrated together', async () => {
    const name = pg.schemaName();
    // Four processes starting at once on an empty schema: the advisory lock lets one migrate.
    const stores = await Promise.all(
      [1, 2, 3, 4].map(() => openPostgresStore(pg.url, { schema: name, max: 5 })),
    );
    try {
      assert.deepEqual(await appliedMigrations(name), allMigrations);
      const [first] = stores as [PostgresStore];
      await first.insertUser(aUser());
      await first.insertClient(aClient());
      const grant = aGrant();
      await first.insertGrant(grant);
      const redemptions = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.redeemCode(redemptionOf(grant, { now: now + 1 + i })),
        ),
      );
      const winners = redemptions.filter((result) => result !== null);
      assert.equal(winners.length, 1);
      for (const store of stores) assert.deepEqual(await store.findGrant(grant.id), winners[0]);

      // The single winner stores the grant's first refresh token; the others see it.
      const winnerStore = stores[redemptions.findIndex((result) => result !== null) % 4]!;
      const token = aRefreshToken(grant);
      await winnerStore.insertRefreshToken(token);
      for (const store of stores) assert.deepEqual(await store.findRefreshToken(token.hash), token);

      const rotations = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4]!.rotateRefreshToken(rotationOf(token, `successor-${i}`)),
        ),
      );
      const rotated = rotations.findIndex((result) => result !== null);
      assert.equal(rotations.filter((result) => result !== null).length, 1);
      // Only the winner's successor was stored.
      const successors = await Promise.all(
        Array.from({ length: 20 }, (_, i) => first.findRefreshToken(`successor-${i}`)),
      );
      assert.deepEqual(
        successors.map((successor) => successor !== null),
        Array.from({ length: 20 }, (_, i) => i === rotated),
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

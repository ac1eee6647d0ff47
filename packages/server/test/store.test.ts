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
import { createSchemaMigrationsTable, migrationSql, migrations } from '../src/store/migrations.ts';
import { openPostgresStore, PostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore, SqliteStore } from '../src/store/sqlite.ts';
import type {
  ClientRecord,
  CodeRedemption,
  GrantRecord,
  InteractionRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  Store,
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
    createdAt: now,
    expiresAt: now + day,
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
    nonce: 'nonce',
    redirectUri: 'https://app.example/callback',
    codeHash: 'code-hash-1',
    codeChallenge: 'challenge',
    resources: [],
    dpopJkt: null,
    codeExpiresAt: now + 60,
    codeConsumedAt: null,
    revokedAt: null,
    createdAt: now,
    expiresAt: now + 60,
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

/** Migration 1 alone, as a codegrant of that version left the database. */
const version1 = migrations.find((migration) => migration.id === 1)!;

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
    codeConsumedAt: now + 1,
    expiresAt: now + 30 * day,
  });
  assert.deepEqual(await store.findRefreshToken(token.hash), token);

  // A code issued before DPoP is bound to no key: a proof by any key redeems it.
  const unredeemed = aGrant({ id: 'grant-2', codeHash: 'code-hash-2' });
  assert.ok(await store.redeemCode(redemptionOf(unredeemed, { dpopJkt: 'jkt-a' })));
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

  /** A redeemed grant with its first refresh token, ready to be rotated. */
  async function issueRefreshToken(grant = aGrant()): Promise<RefreshTokenRecord> {
    const token = aRefreshToken(grant);
    await store.insertGrant(grant);
    assert.ok(await store.redeemCode(redemptionOf(grant)));
    await store.insertRefreshToken(token);
    return token;
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

      assert.equal(
        await store.setInteractionLogin(interaction.id, { userId: 'user-alice', authTime: now + 5 }),
        true,
      );
      assert.deepEqual(await store.findInteraction(interaction.id), {
        ...interaction,
        userId: 'user-alice',
        authTime: now + 5,
      });
    });

    it('says when there is no interaction to record a login for', async () => {
      await seed();
      assert.equal(
        await store.setInteractionLogin('missing', { userId: 'user-alice', authTime: now }),
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
      await assert.rejects(store.setInteractionLogin('interaction-1', { userId: 'unknown', authTime: now }));
      assert.equal((await store.findInteraction('interaction-1'))?.userId, null);
    });

    it('deletes an interaction', async () => {
      await seed();
      await store.insertInteraction(anInteraction());
      await store.deleteInteraction('interaction-1');
      await store.deleteInteraction('interaction-1');
      assert.equal(await store.findInteraction('interaction-1'), null);
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

    it('refuses a duplicate hash or an unknown user', async () => {
      await seed();
      await store.insertSession(aSession());
      await assert.rejects(store.insertSession(aSession({ userId: 'user-bob' })));
      await assert.rejects(store.insertSession(aSession({ idHash: 'other', userId: 'unknown' })));
      assert.equal((await store.findSession('session-hash'))?.userId, 'user-alice');
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

  it("upgrades a file migrated at version 1, its rows taking the new columns' defaults", async () => {
    const file = freshFile();
    const db = new Database(file);
    db.exec(createSchemaMigrationsTable);
    db.exec(migrationSql(version1, 'sqlite'));
    db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
      version1.id,
      version1.name,
      now,
    );
    db.exec(version1Rows);
    db.close();

    const store = await openSqliteStore(file);
    try {
      await assertUpgradedFromVersion1(store);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assert.deepEqual(
        check.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all(),
        allMigrations,
      );
    } finally {
      check.close();
    }
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

  it("upgrades a schema migrated at version 1, its rows taking the new columns' defaults", async () => {
    const name = pg.schemaName();
    await pg.sql.begin(async (tx) => {
      await tx`CREATE SCHEMA ${tx(name)}`;
      await tx`SET LOCAL search_path TO ${tx(name)}`;
      await tx.unsafe(createSchemaMigrationsTable);
      await tx.unsafe(migrationSql(version1, 'postgres')).simple();
      await tx`
        INSERT INTO schema_migrations (id, name, applied_at) VALUES (${version1.id}, ${version1.name}, ${now})`;
      await tx.unsafe(version1Rows).simple();
    });

    const store = await openPostgresStore(pg.url, { schema: name });
    try {
      await assertUpgradedFromVersion1(store);
    } finally {
      await store.close();
    }
    assert.deepEqual(await appliedMigrations(name), allMigrations);
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

/**
 * The shared store: one PostgreSQL database, used at once by any number of server processes on any
 * number of machines (ARCHITECTURE.md, principle 7).
 */
import postgres from 'postgres';
import { auditQuerySql } from './audit-query.ts';
import { EXPIRED_DEVICE_AUTHORIZATION_KEPT_SECONDS, pollDeviceAuthorizationRecord } from './device-poll.ts';
import { createSchemaMigrationsTable, migrationSql, migrations } from './migrations.ts';
import {
  type AccountTokenRow,
  type AuditEventRow,
  type ClientRow,
  type ConsentRow,
  type DeviceAuthorizationRow,
  type GrantRow,
  type InteractionRow,
  type PasskeyRow,
  type RefreshTokenRow,
  type SessionClientRow,
  type SessionRow,
  type SigningKeyRow,
  type TotpRow,
  toAccountToken,
  toAccountTokenRow,
  toAuditEvent,
  toAuditEventRow,
  toClient,
  toClientRow,
  toDeviceAuthorization,
  toDeviceAuthorizationRow,
  toGrant,
  toInteraction,
  toInteractionRow,
  toPasskey,
  toPasskeyRow,
  toRefreshToken,
  toSession,
  toSessionClient,
  toSessionRow,
  toTotp,
  toTotpRow,
  toUpstreamIdentity,
  toUpstreamIdentityRow,
  toUser,
  toUserRow,
  type UpstreamIdentityRow,
  type UserRow,
} from './rows.ts';
import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  AuditEventRecord,
  AuditQuery,
  ClientRecord,
  CodeRedemption,
  ConsentRecord,
  DeviceAuthorizationRecord,
  DeviceDecision,
  DevicePoll,
  GrantRecord,
  InteractionRecord,
  NewSessionClient,
  PasskeyRecord,
  PushedRequestRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SessionClientRecord,
  SessionRecord,
  SigningKeyRecord,
  Store,
  TotpRecord,
  UpstreamIdentityRecord,
  UserRecord,
} from './store.ts';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The schema every table lives in, created by {@link PostgresStore.migrate} if missing; `public`
   * by default. Several codegrant deployments (or test runs) can share one database in schemas of
   * their own.
   */
  schema?: string;
  /** The most connections this store opens (its pool's size); 10 by default. */
  max?: number;
}

/**
 * Held by every migration, in every schema of the database, until its transaction ends: processes
 * starting together migrate one after the other, and the later ones find nothing left to do.
 * The number is "codegrnt" in ASCII, to stay clear of other applications' advisory locks.
 */
const migrationLock = '7165055918859775604';

/** PostgreSQL's type id of `BIGINT`. */
const int8Oid = 20;

/** The client, configured as {@link PostgresStore} opens it. */
function connect(url: string, schema: string, max: number | undefined) {
  return postgres(url, {
    ...(max === undefined ? {} : { max }),
    // Times are BIGINT seconds; postgres.js returns BIGINT as a string by default, since not every
    // BIGINT fits a JavaScript number. Seconds since the epoch do, for 285 million years.
    types: {
      int8: { to: int8Oid, from: [int8Oid], serialize: (value: number) => String(value), parse: Number },
    },
    // Every session resolves the unqualified table names in the store's schema.
    connection: { search_path: quoteIdentifier(schema) },
    // "relation already exists, skipping" and the like would otherwise go to stdout, which the CLI
    // keeps for its results.
    onnotice: () => {},
  });
}

/** The client with its BIGINT parser. */
type Sql = ReturnType<typeof connect>;

/** A transaction of {@link Sql}. */
type Transaction = postgres.TransactionSql<{ int8: number }>;

/**
 * A {@link Store} on a PostgreSQL database through `postgres` (porsager/postgres).
 *
 * Every statement runs at READ COMMITTED, PostgreSQL's default, and is prepared once per
 * connection. The two redemptions are conditional `UPDATE … RETURNING` statements: when two
 * transactions update the same row, the second waits for the first to commit and then evaluates
 * its `WHERE` again against the row as the first left it, so a code or refresh token already
 * redeemed no longer matches. Exactly one redemption wins, whichever process or connection the
 * others come from. Call {@link PostgresStore.migrate} before use, or open with
 * {@link openPostgresStore}.
 */
export class PostgresStore implements Store {
  readonly #sql: Sql;
  readonly #schema: string;

  /**
   * Prepares a connection pool to the database at `url` (`postgres://user:password@host:port/db`);
   * nothing connects before the first query. The schema is not touched: call
   * {@link PostgresStore.migrate} next.
   */
  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.#schema = options.schema ?? 'public';
    this.#sql = connect(url, this.#schema, options.max);
  }

  async migrate(): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${migrationLock})`);
      // Only when missing: `CREATE SCHEMA IF NOT EXISTS` needs the right to create schemas even
      // when there is nothing to create, which a deployment's role may well lack.
      const [exists] = await tx`SELECT 1 FROM pg_namespace WHERE nspname = ${this.#schema}`;
      if (exists === undefined) await tx.unsafe(`CREATE SCHEMA ${quoteIdentifier(this.#schema)}`);
      await tx.unsafe(createSchemaMigrationsTable);
      const rows = await tx<{ id: number }[]>`SELECT id FROM schema_migrations`;
      const applied = new Set(rows.map((row) => row.id));
      const unknown = [...applied].filter((id) => !migrations.some((migration) => migration.id === id));
      if (unknown.length > 0) {
        throw new Error(
          `the database has migrations this codegrant does not know (${unknown.join(', ')}): a newer version migrated it`,
        );
      }
      for (const migration of migrations) {
        if (applied.has(migration.id)) continue;
        // The simple protocol runs a text of several statements; it takes no parameters.
        await tx.unsafe(migrationSql(migration, 'postgres')).simple();
        await tx`
          INSERT INTO schema_migrations (id, name, applied_at)
          VALUES (${migration.id}, ${migration.name}, ${Math.floor(Date.now() / 1000)})`;
      }
    });
  }

  async close(): Promise<void> {
    await this.#sql.end();
  }

  async insertUser(user: UserRecord): Promise<void> {
    await this.#sql`INSERT INTO users ${this.#sql(toUserRow(user))}`;
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    const [row] = await this.#sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
    return row === undefined ? null : toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const [row] = await this.#sql<UserRow[]>`SELECT * FROM users WHERE username = ${username}`;
    return row === undefined ? null : toUser(row);
  }

  async findUsersByEmail(email: string): Promise<UserRecord[]> {
    const rows = await this.#sql<UserRow[]>`
      SELECT * FROM users WHERE lower(email) = lower(${email}) ORDER BY created_at, id COLLATE "C"`;
    return rows.map(toUser);
  }

  async listUsers(): Promise<UserRecord[]> {
    // COLLATE "C" sorts by code point, as SQLite's binary collation does, whatever the database's locale.
    const rows = await this.#sql<UserRow[]>`SELECT * FROM users ORDER BY username COLLATE "C"`;
    return rows.map(toUser);
  }

  async hasAdmin(): Promise<boolean> {
    return (await this.#sql`SELECT 1 FROM users WHERE admin = 1 LIMIT 1`).length > 0;
  }

  async updateUser(user: UserRecord): Promise<boolean> {
    const { id, ...columns } = toUserRow(user);
    return (await this.#sql`UPDATE users SET ${this.#sql(columns)} WHERE id = ${id}`).count > 0;
  }

  async deleteUser(username: string): Promise<boolean> {
    // One statement: the user's back-channel logouts fall due as the user (and their sessions) go.
    const [row] = await this.#sql<{ deleted: number }[]>`
      WITH deleted AS (DELETE FROM users WHERE username = ${username} RETURNING id),
        due AS (
          UPDATE session_clients SET next_attempt_at = 0
          WHERE next_attempt_at IS NULL AND user_id IN (SELECT id FROM deleted))
      SELECT COUNT(*)::INTEGER AS deleted FROM deleted`;
    return row!.deleted > 0;
  }

  async revokeUserAccess(userId: string, now: number): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx`UPDATE session_clients SET next_attempt_at = 0 WHERE next_attempt_at IS NULL AND user_id = ${userId}`;
      await tx`DELETE FROM sessions WHERE user_id = ${userId}`;
      await tx`DELETE FROM interactions WHERE user_id = ${userId} OR pending_user_id = ${userId}`;
      await tx`UPDATE grants SET revoked_at = ${now} WHERE user_id = ${userId} AND revoked_at IS NULL`;
    });
  }

  async insertAccountToken(token: AccountTokenRecord): Promise<void> {
    await this.#sql`INSERT INTO account_tokens ${this.#sql(toAccountTokenRow(token))}`;
  }

  async findAccountToken(hash: string): Promise<AccountTokenRecord | null> {
    const [row] = await this.#sql<AccountTokenRow[]>`SELECT * FROM account_tokens WHERE hash = ${hash}`;
    return row === undefined ? null : toAccountToken(row);
  }

  async consumeAccountToken(
    hash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const [row] = await this.#sql<AccountTokenRow[]>`
      UPDATE account_tokens SET consumed_at = ${now}
      WHERE hash = ${hash} AND purpose = ${purpose} AND consumed_at IS NULL AND expires_at > ${now}
      RETURNING *`;
    return row === undefined ? null : toAccountToken(row);
  }

  async deleteAccountTokens(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.#sql`DELETE FROM account_tokens WHERE user_id = ${userId} AND purpose = ${purpose}`;
  }

  async insertClient(client: ClientRecord): Promise<void> {
    await this.#sql`INSERT INTO clients ${this.#sql(toClientRow(client))}`;
  }

  async findClient(clientId: string): Promise<ClientRecord | null> {
    const [row] = await this.#sql<ClientRow[]>`SELECT * FROM clients WHERE client_id = ${clientId}`;
    return row === undefined ? null : toClient(row);
  }

  async listClients(): Promise<ClientRecord[]> {
    const rows = await this.#sql<ClientRow[]>`SELECT * FROM clients ORDER BY client_id COLLATE "C"`;
    return rows.map(toClient);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return (await this.#sql`DELETE FROM clients WHERE client_id = ${clientId}`).count > 0;
  }

  async updateClient(client: ClientRecord): Promise<boolean> {
    const { client_id, ...columns } = toClientRow(client);
    return (
      (await this.#sql`UPDATE clients SET ${this.#sql(columns)} WHERE client_id = ${client_id}`).count > 0
    );
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.#sql`
      INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at)
      VALUES (${key.kid}, ${key.alg}, ${key.privateJwk}, ${key.publicJwk}, ${key.createdAt}, ${key.retiredAt})`;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    // `inserted` (the identity column standing in for SQLite's rowid) breaks ties between keys
    // created in the same second: the first inserted is older.
    const rows = await this.#sql<SigningKeyRow[]>`SELECT * FROM signing_keys ORDER BY created_at, inserted`;
    return rows.map((row) => ({
      kid: row.kid,
      alg: row.alg,
      privateJwk: row.private_jwk,
      publicJwk: row.public_jwk,
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    }));
  }

  async retireSigningKey(kid: string, now: number): Promise<boolean> {
    // The first retirement's time stays.
    const result = await this.#sql`
      UPDATE signing_keys SET retired_at = ${now} WHERE kid = ${kid} AND retired_at IS NULL`;
    return result.count > 0;
  }

  async deleteSigningKey(kid: string): Promise<boolean> {
    return (await this.#sql`DELETE FROM signing_keys WHERE kid = ${kid}`).count > 0;
  }

  async insertInteraction(interaction: InteractionRecord): Promise<void> {
    await this.#sql`INSERT INTO interactions ${this.#sql(toInteractionRow(interaction))}`;
  }

  async findInteraction(id: string): Promise<InteractionRecord | null> {
    const [row] = await this.#sql<InteractionRow[]>`SELECT * FROM interactions WHERE id = ${id}`;
    return row === undefined ? null : toInteraction(row);
  }

  async setInteractionLogin(
    id: string,
    login: { userId: string; authTime: number; amr: string[] },
  ): Promise<boolean> {
    const result = await this.#sql`
      UPDATE interactions SET user_id = ${login.userId}, auth_time = ${login.authTime},
        amr = ${JSON.stringify(login.amr)}, pending_user_id = NULL
      WHERE id = ${id}`;
    return result.count > 0;
  }

  async setInteractionPendingUser(id: string, userId: string | null): Promise<boolean> {
    return (await this.#sql`UPDATE interactions SET pending_user_id = ${userId} WHERE id = ${id}`).count > 0;
  }

  async deleteInteraction(id: string): Promise<void> {
    await this.#sql`DELETE FROM interactions WHERE id = ${id}`;
  }

  async insertSession(session: SessionRecord): Promise<void> {
    await this.#sql`INSERT INTO sessions ${this.#sql(toSessionRow(session))}`;
  }

  async findSession(idHash: string): Promise<SessionRecord | null> {
    const [row] = await this.#sql<SessionRow[]>`SELECT * FROM sessions WHERE id_hash = ${idHash}`;
    return row === undefined ? null : toSession(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#sql`
      WITH ended AS (DELETE FROM sessions WHERE id_hash = ${idHash} RETURNING id_hash)
      UPDATE session_clients SET next_attempt_at = 0
      WHERE next_attempt_at IS NULL AND session_id_hash IN (SELECT id_hash FROM ended)`;
  }

  async findConsent(userId: string, clientId: string): Promise<ConsentRecord | null> {
    const [row] = await this.#sql<ConsentRow[]>`
      SELECT * FROM consents WHERE user_id = ${userId} AND client_id = ${clientId}`;
    if (row === undefined) return null;
    return {
      userId: row.user_id,
      clientId: row.client_id,
      scopes: JSON.parse(row.scopes) as string[],
      updatedAt: row.updated_at,
    };
  }

  async saveConsent(consent: ConsentRecord): Promise<void> {
    await this.#sql`
      INSERT INTO consents (user_id, client_id, scopes, updated_at)
      VALUES (${consent.userId}, ${consent.clientId}, ${JSON.stringify(consent.scopes)}, ${consent.updatedAt})
      ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`;
  }

  async insertGrant(grant: GrantRecord): Promise<void> {
    await this.#sql`
      INSERT INTO grants (id, client_id, user_id, scopes, auth_time, amr, nonce, redirect_uri, code_hash,
        code_challenge, resources, dpop_jkt, claims, sid, code_expires_at, code_consumed_at, revoked_at, created_at,
        expires_at)
      VALUES (${grant.id}, ${grant.clientId}, ${grant.userId}, ${JSON.stringify(grant.scopes)}, ${grant.authTime},
        ${JSON.stringify(grant.amr)}, ${grant.nonce}, ${grant.redirectUri}, ${grant.codeHash}, ${grant.codeChallenge},
        ${JSON.stringify(grant.resources)}, ${grant.dpopJkt}, ${grant.claims}, ${grant.sid}, ${grant.codeExpiresAt},
        ${grant.codeConsumedAt}, ${grant.revokedAt}, ${grant.createdAt}, ${grant.expiresAt})`;
  }

  async findGrant(id: string): Promise<GrantRecord | null> {
    const [row] = await this.#sql<GrantRow[]>`SELECT * FROM grants WHERE id = ${id}`;
    return row === undefined ? null : toGrant(row);
  }

  async findGrantByCodeHash(codeHash: string): Promise<GrantRecord | null> {
    const [row] = await this.#sql<GrantRow[]>`SELECT * FROM grants WHERE code_hash = ${codeHash}`;
    return row === undefined ? null : toGrant(row);
  }

  async redeemCode(redemption: CodeRedemption): Promise<GrantRecord | null> {
    // The conditional UPDATE alone is the whole, atomic, redemption (see the class comment on why
    // READ COMMITTED suffices). `IS NOT DISTINCT FROM` compares NULL as a value: a code issued
    // without a challenge matches only a redemption without one. A code bound to a DPoP key needs a
    // proof by it: `=` with a NULL thumbprint never matches.
    const { now } = redemption;
    const [row] = await this.#sql<GrantRow[]>`
      UPDATE grants SET code_consumed_at = ${now}
      WHERE code_hash = ${redemption.codeHash} AND client_id = ${redemption.clientId}
        AND redirect_uri = ${redemption.redirectUri} AND code_challenge IS NOT DISTINCT FROM ${redemption.codeChallenge}
        AND (dpop_jkt IS NULL OR dpop_jkt = ${redemption.dpopJkt})
        AND code_consumed_at IS NULL AND code_expires_at > ${now} AND revoked_at IS NULL
      RETURNING *`;
    return row === undefined ? null : toGrant(row);
  }

  async revokeGrant(id: string, now: number): Promise<void> {
    // The first revocation's time stays.
    await this.#sql`UPDATE grants SET revoked_at = ${now} WHERE id = ${id} AND revoked_at IS NULL`;
  }

  /**
   * Stores the first refresh token of a just-redeemed grant and extends the grant's `expiresAt` to
   * at least the token's, in one transaction: either both happen or neither.
   *
   * @throws when the hash is taken or the grant does not exist (a `PostgresError`)
   */
  async insertRefreshToken(token: RefreshTokenRecord): Promise<void> {
    await this.#sql.begin(async (tx) => {
      // The foreign key refuses a token of an unknown grant before the UPDATE runs.
      await insertRefreshToken(tx, token);
      await tx`UPDATE grants SET expires_at = GREATEST(expires_at, ${token.expiresAt}) WHERE id = ${token.grantId}`;
    });
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
    const [row] = await this.#sql<RefreshTokenRow[]>`SELECT * FROM refresh_tokens WHERE hash = ${hash}`;
    return row === undefined ? null : toRefreshToken(row);
  }

  async rotateRefreshToken(
    rotation: RefreshRotation,
  ): Promise<{ previous: RefreshTokenRecord; grant: GrantRecord } | null> {
    return this.#sql.begin(async (tx) => {
      // The conditional UPDATE decides the winner (see the class comment): a concurrent rotation
      // of the same token waits here for the winner's commit, then finds `rotated_at` set. A
      // successor that cannot be stored rolls the whole transaction back, this write included.
      const { now } = rotation;
      const [previous] = await tx<RefreshTokenRow[]>`
        UPDATE refresh_tokens SET rotated_at = ${now}, successor_sealed = ${rotation.successorSealed}
        WHERE hash = ${rotation.hash} AND client_id = ${rotation.clientId} AND rotated_at IS NULL
          AND expires_at > ${now}
          AND EXISTS (SELECT 1 FROM grants WHERE grants.id = refresh_tokens.grant_id AND grants.revoked_at IS NULL)
        RETURNING *`;
      if (previous === undefined) return null;
      await insertRefreshToken(tx, { ...rotation.next, grantId: previous.grant_id });
      const [grant] = await tx<GrantRow[]>`
        UPDATE grants SET expires_at = GREATEST(expires_at, ${rotation.grantExpiresAt})
        WHERE id = ${previous.grant_id} RETURNING *`;
      return { previous: toRefreshToken(previous), grant: toGrant(grant!) };
    });
  }

  async listUserSessions(userId: string, now: number): Promise<SessionRecord[]> {
    const rows = await this.#sql<SessionRow[]>`
      SELECT * FROM sessions WHERE user_id = ${userId} AND expires_at > ${now}
      ORDER BY created_at DESC, id_hash COLLATE "C"`;
    return rows.map(toSession);
  }

  async deleteUserSession(userId: string, idHash: string): Promise<boolean> {
    // One statement, so the session's back-channel logouts fall due exactly when it ends.
    const [row] = await this.#sql<{ deleted: number }[]>`
      WITH ended AS (DELETE FROM sessions WHERE user_id = ${userId} AND id_hash = ${idHash} RETURNING id_hash),
        due AS (
          UPDATE session_clients SET next_attempt_at = 0
          WHERE next_attempt_at IS NULL AND session_id_hash IN (SELECT id_hash FROM ended))
      SELECT COUNT(*)::INTEGER AS deleted FROM ended`;
    return row!.deleted > 0;
  }

  async listUserGrants(userId: string, now: number): Promise<GrantRecord[]> {
    const rows = await this.#sql<GrantRow[]>`
      SELECT * FROM grants
      WHERE user_id = ${userId} AND revoked_at IS NULL AND code_consumed_at IS NOT NULL AND expires_at > ${now}
      ORDER BY created_at DESC, id COLLATE "C"`;
    return rows.map(toGrant);
  }

  async revokeUserClientAccess(userId: string, clientId: string, now: number): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx`
        UPDATE grants SET revoked_at = ${now}
        WHERE user_id = ${userId} AND client_id = ${clientId} AND revoked_at IS NULL`;
      await tx`DELETE FROM consents WHERE user_id = ${userId} AND client_id = ${clientId}`;
    });
  }

  async findUpstreamIdentity(provider: string, subject: string): Promise<UpstreamIdentityRecord | null> {
    const [row] = await this.#sql<UpstreamIdentityRow[]>`
      SELECT * FROM upstream_identities WHERE provider = ${provider} AND subject = ${subject}`;
    return row === undefined ? null : toUpstreamIdentity(row);
  }

  async insertUpstreamIdentity(identity: UpstreamIdentityRecord): Promise<void> {
    await this.#sql`INSERT INTO upstream_identities ${this.#sql(toUpstreamIdentityRow(identity))}`;
  }

  async touchUpstreamIdentity(
    provider: string,
    subject: string,
    email: string | null,
    now: number,
  ): Promise<void> {
    await this.#sql`
      UPDATE upstream_identities SET email = ${email}, last_used_at = ${now}
      WHERE provider = ${provider} AND subject = ${subject}`;
  }

  async listUpstreamIdentities(userId: string): Promise<UpstreamIdentityRecord[]> {
    const rows = await this.#sql<UpstreamIdentityRow[]>`
      SELECT * FROM upstream_identities WHERE user_id = ${userId}
      ORDER BY created_at, provider COLLATE "C", subject COLLATE "C"`;
    return rows.map(toUpstreamIdentity);
  }

  async insertPasskey(passkey: PasskeyRecord): Promise<void> {
    await this.#sql`INSERT INTO passkeys ${this.#sql(toPasskeyRow(passkey))}`;
  }

  async findPasskey(credentialId: string): Promise<PasskeyRecord | null> {
    const [row] = await this.#sql<PasskeyRow[]>`SELECT * FROM passkeys WHERE credential_id = ${credentialId}`;
    return row === undefined ? null : toPasskey(row);
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    const rows = await this.#sql<PasskeyRow[]>`
      SELECT * FROM passkeys WHERE user_id = ${userId} ORDER BY created_at, credential_id COLLATE "C"`;
    return rows.map(toPasskey);
  }

  async usePasskey(credentialId: string, counter: number, now: number): Promise<boolean> {
    const result = await this.#sql`
      UPDATE passkeys SET counter = ${counter}, last_used_at = ${now}
      WHERE credential_id = ${credentialId} AND ((counter = 0 AND ${counter}::BIGINT = 0) OR counter < ${counter})`;
    return result.count > 0;
  }

  async deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    return (
      (await this.#sql`DELETE FROM passkeys WHERE user_id = ${userId} AND credential_id = ${credentialId}`)
        .count > 0
    );
  }

  async findTotp(userId: string): Promise<TotpRecord | null> {
    const [row] = await this.#sql<TotpRow[]>`SELECT * FROM totp_credentials WHERE user_id = ${userId}`;
    return row === undefined ? null : toTotp(row);
  }

  async saveTotp(totp: TotpRecord): Promise<void> {
    const row = toTotpRow(totp);
    await this.#sql`
      INSERT INTO totp_credentials ${this.#sql(row)}
      ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = excluded.confirmed_at,
        last_step = excluded.last_step, created_at = excluded.created_at`;
  }

  async useTotpStep(userId: string, step: number): Promise<boolean> {
    const result = await this.#sql`
      UPDATE totp_credentials SET last_step = ${step}
      WHERE user_id = ${userId} AND confirmed_at IS NOT NULL AND last_step < ${step}`;
    return result.count > 0;
  }

  async deleteTotp(userId: string): Promise<boolean> {
    return this.#sql.begin(async (tx) => {
      await tx`DELETE FROM recovery_codes WHERE user_id = ${userId}`;
      return (await tx`DELETE FROM totp_credentials WHERE user_id = ${userId}`).count > 0;
    });
  }

  async replaceRecoveryCodes(userId: string, codeHashes: string[], now: number): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx`DELETE FROM recovery_codes WHERE user_id = ${userId}`;
      for (const hash of codeHashes) {
        await tx`INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (${userId}, ${hash}, ${now})`;
      }
    });
  }

  async useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean> {
    const result = await this.#sql`
      UPDATE recovery_codes SET used_at = ${now}
      WHERE user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NULL`;
    return result.count > 0;
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    const [row] = await this.#sql<{ count: number }[]>`
      SELECT COUNT(*)::INTEGER AS count FROM recovery_codes WHERE user_id = ${userId} AND used_at IS NULL`;
    return row!.count;
  }

  async recordLoginFailure(keys: string[], now: number): Promise<void> {
    // One statement for all keys: one round trip, all or nothing.
    await this.#sql`INSERT INTO login_failures (key, at) SELECT unnest(${keys}::text[]), ${now}`;
  }

  async countLoginFailures(key: string, since: number): Promise<number> {
    const [row] = await this.#sql<{ count: number }[]>`
      SELECT COUNT(*) AS count FROM login_failures WHERE key = ${key} AND at >= ${since}`;
    return row!.count;
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.#sql`DELETE FROM login_failures WHERE key = ${key}`;
  }

  async rememberOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // One atomic statement: it inserts an absent key, takes over a record that has expired (expires_at <= now), and changes nothing while the record lasts. A
    // concurrent caller waits for the row's lock, then evaluates the WHERE against the winner's row.
    const result = await this.#sql`
      INSERT INTO remembered_once (key, expires_at) VALUES (${key}, ${expiresAt})
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
      WHERE remembered_once.expires_at <= ${now}`;
    return result.count > 0;
  }

  async sharedValue(name: string, candidate: string): Promise<string> {
    // Two statements, not one: a single statement's snapshot would not see a value another
    // transaction committed while this INSERT waited for it. The SELECT takes a fresh snapshot.
    await this.#sql`
      INSERT INTO shared_values (name, value, created_at)
      VALUES (${name}, ${candidate}, ${Math.floor(Date.now() / 1000)})
      ON CONFLICT (name) DO NOTHING`;
    const [row] = await this.#sql<{ value: string }[]>`SELECT value FROM shared_values WHERE name = ${name}`;
    return row!.value;
  }

  async sweepExpired(now: number, loginFailuresBefore: number): Promise<number> {
    return this.#sql.begin(async (tx) => {
      // Refresh tokens first: their grants' cascade would delete them uncounted.
      const results = [
        await tx`DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE expires_at <= ${now})`,
        await tx`DELETE FROM grants WHERE expires_at <= ${now}`,
        await tx`DELETE FROM interactions WHERE expires_at <= ${now}`,
        await tx`DELETE FROM sessions WHERE expires_at <= ${now}`,
        await tx`DELETE FROM account_tokens WHERE expires_at <= ${now}`,
        await tx`DELETE FROM remembered_once WHERE expires_at <= ${now}`,
        await tx`DELETE FROM pushed_requests WHERE expires_at <= ${now}`,
        await tx`DELETE FROM device_authorizations WHERE expires_at <= ${now - EXPIRED_DEVICE_AUTHORIZATION_KEPT_SECONDS}`,
        await tx`DELETE FROM session_clients WHERE expires_at <= ${now} AND next_attempt_at IS NULL`,
        await tx`DELETE FROM login_failures WHERE at < ${loginFailuresBefore}`,
      ];
      return results.reduce((deleted, result) => deleted + result.count, 0);
    });
  }

  async appendAuditEvents(events: AuditEventRecord[]): Promise<void> {
    // One multi-row INSERT: all or none, one round trip.
    if (events.length > 0)
      await this.#sql`INSERT INTO audit_events ${this.#sql(events.map(toAuditEventRow))}`;
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]> {
    const { text, params } = auditQuerySql(query, 'postgres');
    return (await this.#sql.unsafe<AuditEventRow[]>(text, params)).map(toAuditEvent);
  }

  async deleteAuditEventsBefore(before: number): Promise<number> {
    return (await this.#sql`DELETE FROM audit_events WHERE time < ${before}`).count;
  }

  async ping(): Promise<void> {
    await this.#sql`SELECT 1`;
  }

  async insertPushedRequest(request: PushedRequestRecord): Promise<void> {
    await this.#sql`
      INSERT INTO pushed_requests (hash, client_id, parameters, expires_at)
      VALUES (${request.hash}, ${request.clientId}, ${JSON.stringify(request.parameters)}, ${request.expiresAt})`;
  }

  async consumePushedRequest(
    hash: string,
    clientId: string,
    now: number,
  ): Promise<Record<string, string> | null> {
    const [row] = await this.#sql<{ parameters: string }[]>`
      UPDATE pushed_requests SET consumed_at = ${now}
      WHERE hash = ${hash} AND client_id = ${clientId} AND consumed_at IS NULL AND expires_at > ${now}
      RETURNING parameters`;
    return row === undefined ? null : (JSON.parse(row.parameters) as Record<string, string>);
  }

  async insertDeviceAuthorization(authorization: DeviceAuthorizationRecord): Promise<void> {
    await this.#sql`INSERT INTO device_authorizations ${this.#sql(toDeviceAuthorizationRow(authorization))}`;
  }

  async findDeviceAuthorizationByUserCode(userCodeHash: string): Promise<DeviceAuthorizationRecord | null> {
    const [row] = await this.#sql<DeviceAuthorizationRow[]>`
      SELECT * FROM device_authorizations WHERE user_code_hash = ${userCodeHash}`;
    return row === undefined ? null : toDeviceAuthorization(row);
  }

  async decideDeviceAuthorization(
    userCodeHash: string,
    decision: DeviceDecision,
    now: number,
  ): Promise<boolean> {
    const result = await this.#sql`
      UPDATE device_authorizations
      SET status = ${decision.approved ? 'approved' : 'denied'}, user_id = ${decision.userId},
        auth_time = ${decision.authTime}, amr = ${JSON.stringify(decision.amr)}
      WHERE user_code_hash = ${userCodeHash} AND status = 'pending' AND expires_at > ${now}`;
    return result.count > 0;
  }

  async pollDeviceAuthorization(
    deviceCodeHash: string,
    clientId: string,
    now: number,
  ): Promise<DevicePoll | null> {
    return this.#sql.begin(async (tx) => {
      // FOR UPDATE: a concurrent poll of the same code waits for this one's commit, then reads the
      // row as it left it (spent, or polled just now), so exactly one poll gets `approved`.
      const [row] = await tx<DeviceAuthorizationRow[]>`
        SELECT * FROM device_authorizations
        WHERE device_code_hash = ${deviceCodeHash} AND client_id = ${clientId} FOR UPDATE`;
      if (row === undefined) return null;
      const poll = pollDeviceAuthorizationRecord(toDeviceAuthorization(row), now);
      const after = poll.authorization;
      await tx`
        UPDATE device_authorizations
        SET last_polled_at = ${after.lastPolledAt}, poll_interval = ${after.interval}, consumed_at = ${after.consumedAt}
        WHERE device_code_hash = ${deviceCodeHash}`;
      return poll;
    });
  }

  async insertSessionClient(record: NewSessionClient): Promise<void> {
    await this.#sql`
      INSERT INTO session_clients (session_id_hash, client_id, user_id, sid, created_at, expires_at)
      VALUES (${record.sessionIdHash}, ${record.clientId}, ${record.userId}, ${record.sid}, ${record.createdAt},
        ${record.expiresAt})
      ON CONFLICT (session_id_hash, client_id) DO NOTHING`;
  }

  async claimDueLogouts(now: number, leaseUntil: number, limit: number): Promise<SessionClientRecord[]> {
    // SKIP LOCKED: processes claiming at once take different rows. A row another process claimed
    // since this statement's snapshot is re-read once locked, and its lease no longer matches.
    const rows = await this.#sql<SessionClientRow[]>`
      UPDATE session_clients SET next_attempt_at = ${leaseUntil}, attempts = attempts + 1
      WHERE (session_id_hash, client_id) IN (
        SELECT session_id_hash, client_id FROM session_clients WHERE next_attempt_at <= ${now}
        ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    return rows.map(toSessionClient);
  }

  async settleLogout(sessionIdHash: string, clientId: string, retryAt: number | null): Promise<void> {
    if (retryAt === null) {
      await this
        .#sql`DELETE FROM session_clients WHERE session_id_hash = ${sessionIdHash} AND client_id = ${clientId}`;
      return;
    }
    await this.#sql`
      UPDATE session_clients SET next_attempt_at = ${retryAt}
      WHERE session_id_hash = ${sessionIdHash} AND client_id = ${clientId}`;
  }

  async listSettings(): Promise<Record<string, string>> {
    const rows = await this.#sql<{ name: string; value: string }[]>`SELECT name, value FROM settings`;
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  async saveSetting(name: string, value: string | null, now: number): Promise<void> {
    if (value === null) {
      await this.#sql`DELETE FROM settings WHERE name = ${name}`;
      return;
    }
    await this.#sql`
      INSERT INTO settings (name, value, updated_at) VALUES (${name}, ${value}, ${now})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;
  }
}

/**
 * Connects to the PostgreSQL database at `url` and brings the schema up to date.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore('postgres://codegrant@db.internal/codegrant');
 * ```
 */
export async function openPostgresStore(url: string, options?: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(url, options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** `name` as a quoted SQL identifier, so any schema name (mixed case, dashes) is taken as given. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs inside the caller's transaction, `tx`. */
async function insertRefreshToken(tx: Transaction, token: RefreshTokenRecord): Promise<void> {
  await tx`
    INSERT INTO refresh_tokens (hash, grant_id, client_id, scopes, created_at, expires_at, rotated_at, dpop_jkt,
      successor_sealed)
    VALUES (${token.hash}, ${token.grantId}, ${token.clientId}, ${JSON.stringify(token.scopes)},
      ${token.createdAt}, ${token.expiresAt}, ${token.rotatedAt}, ${token.dpopJkt}, ${token.successorSealed})`;
}

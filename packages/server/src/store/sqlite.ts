/**
 * The embedded store: one SQLite file, shared safely by any number of connections and processes on
 * one machine.
 */
import Database from 'better-sqlite3';
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

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * SQLite's `synchronous` setting. `NORMAL` (the default) syncs the write-ahead log at checkpoints
   * only: every committed write survives a crash of the process, and the file never corrupts, but
   * the last commits may be lost if the machine loses power. `FULL` syncs on every commit, which
   * survives power loss at the cost of one `fsync` per code and token issued.
   */
  synchronous?: 'NORMAL' | 'FULL';
}

/** Waiting for another connection's write lock longer than this reports `SQLITE_BUSY`. */
const busyTimeoutMs = 5000;

/**
 * A {@link Store} on a SQLite file through `better-sqlite3`.
 *
 * The file is in WAL mode, so readers never wait for the writer; writes from several connections
 * (or processes) take turns, waiting up to 5 s for the lock. Each statement is prepared once, on
 * first use. Call {@link SqliteStore.migrate} before use, or open with {@link openSqliteStore}.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #migrate: Database.Transaction<() => void>;
  readonly #insertRefreshTokenExtendingGrant: Database.Transaction<(token: RefreshTokenRecord) => void>;
  readonly #rotateRefreshToken: Database.Transaction<
    (rotation: RefreshRotation) => { previous: RefreshTokenRecord; grant: GrantRecord } | null
  >;
  readonly #recordLoginFailure: Database.Transaction<(keys: string[], now: number) => void>;
  readonly #sweepExpired: Database.Transaction<(now: number, loginFailuresBefore: number) => number>;
  readonly #revokeUserAccess: Database.Transaction<(userId: string, now: number) => void>;
  readonly #deleteTotp: Database.Transaction<(userId: string) => boolean>;
  readonly #revokeUserClientAccess: Database.Transaction<
    (userId: string, clientId: string, now: number) => void
  >;
  readonly #replaceRecoveryCodes: Database.Transaction<
    (userId: string, codeHashes: string[], now: number) => void
  >;
  readonly #appendAuditEvents: Database.Transaction<(events: AuditEventRecord[]) => void>;
  readonly #pollDeviceAuthorization: Database.Transaction<
    (deviceCodeHash: string, clientId: string, now: number) => DevicePoll | null
  >;
  readonly #deleteUser: Database.Transaction<(username: string) => boolean>;
  readonly #deleteSession: Database.Transaction<(idHash: string, userId: string | null) => boolean>;
  readonly #claimDueLogouts: Database.Transaction<
    (now: number, leaseUntil: number, limit: number) => SessionClientRecord[]
  >;

  /**
   * Opens (or creates) the database file at `path`; `:memory:` gives a private in-memory database.
   * The schema is not touched: call {@link SqliteStore.migrate} next.
   */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    const synchronous = options.synchronous ?? 'NORMAL';
    // It is spliced into a PRAGMA, which takes no parameters.
    if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
      throw new TypeError(`synchronous must be NORMAL or FULL, got ${String(synchronous)}`);
    }
    const db = new Database(path, { timeout: busyTimeoutMs });
    this.#db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`synchronous = ${synchronous}`);

    // BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half-way
    // when another connection wrote in between, and two processes never both migrate.
    this.#migrate = db.transaction(() => this.#applyMigrations());
    this.#insertRefreshTokenExtendingGrant = db.transaction((token) => {
      // The foreign key refuses a token of an unknown grant before the UPDATE runs.
      this.#insertRefreshToken(token);
      this.#prepare('UPDATE grants SET expires_at = MAX(expires_at, ?) WHERE id = ?').run(
        token.expiresAt,
        token.grantId,
      );
    });
    this.#rotateRefreshToken = db.transaction((rotation) => {
      const previous = this.#prepare(`
        UPDATE refresh_tokens SET rotated_at = @now, successor_sealed = @successor_sealed
        WHERE hash = @hash AND client_id = @client_id AND rotated_at IS NULL AND expires_at > @now
          AND EXISTS (SELECT 1 FROM grants WHERE grants.id = refresh_tokens.grant_id AND grants.revoked_at IS NULL)
        RETURNING *`).get({
        now: rotation.now,
        successor_sealed: rotation.successorSealed,
        hash: rotation.hash,
        client_id: rotation.clientId,
      }) as RefreshTokenRow | undefined;
      if (previous === undefined) return null;
      this.#insertRefreshToken({ ...rotation.next, grantId: previous.grant_id });
      const grant = this.#prepare(
        'UPDATE grants SET expires_at = MAX(expires_at, @expires_at) WHERE id = @id RETURNING *',
      ).get({ expires_at: rotation.grantExpiresAt, id: previous.grant_id }) as GrantRow;
      return { previous: toRefreshToken(previous), grant: toGrant(grant) };
    });
    this.#recordLoginFailure = db.transaction((keys, now) => {
      const insert = this.#prepare('INSERT INTO login_failures (key, at) VALUES (?, ?)');
      for (const key of keys) insert.run(key, now);
    });
    this.#pollDeviceAuthorization = db.transaction((deviceCodeHash, clientId, now) => {
      const row = this.#prepare(
        'SELECT * FROM device_authorizations WHERE device_code_hash = ? AND client_id = ?',
      ).get(deviceCodeHash, clientId) as DeviceAuthorizationRow | undefined;
      if (row === undefined) return null;
      const poll = pollDeviceAuthorizationRecord(toDeviceAuthorization(row), now);
      const after = poll.authorization;
      this.#prepare(`
        UPDATE device_authorizations SET last_polled_at = ?, poll_interval = ?, consumed_at = ?
        WHERE device_code_hash = ?`).run(
        after.lastPolledAt,
        after.interval,
        after.consumedAt,
        deviceCodeHash,
      );
      return poll;
    });
    this.#appendAuditEvents = db.transaction((events) => {
      const insert = this.#prepare(`
        INSERT INTO audit_events (id, time, type, outcome, user_id, actor_id, client_id, ip, reason, details)
        VALUES (@id, @time, @type, @outcome, @user_id, @actor_id, @client_id, @ip, @reason, @details)`);
      for (const event of events) insert.run(toAuditEventRow(event));
    });
    this.#sweepExpired = db.transaction((now, loginFailuresBefore) => {
      // Refresh tokens first: their grants' cascade would delete them uncounted.
      const statements: [string, number][] = [
        ['DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE expires_at <= ?)', now],
        ['DELETE FROM grants WHERE expires_at <= ?', now],
        ['DELETE FROM interactions WHERE expires_at <= ?', now],
        ['DELETE FROM sessions WHERE expires_at <= ?', now],
        ['DELETE FROM account_tokens WHERE expires_at <= ?', now],
        ['DELETE FROM remembered_once WHERE expires_at <= ?', now],
        ['DELETE FROM pushed_requests WHERE expires_at <= ?', now],
        [
          'DELETE FROM device_authorizations WHERE expires_at <= ?',
          now - EXPIRED_DEVICE_AUTHORIZATION_KEPT_SECONDS,
        ],
        ['DELETE FROM session_clients WHERE expires_at <= ? AND next_attempt_at IS NULL', now],
        ['DELETE FROM login_failures WHERE at < ?', loginFailuresBefore],
      ];
      let deleted = 0;
      for (const [sql, time] of statements) deleted += this.#prepare(sql).run(time).changes;
      return deleted;
    });
    this.#revokeUserAccess = db.transaction((userId, now) => {
      this.#endSessionClients('user_id = ?', userId);
      this.#prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
      this.#prepare('DELETE FROM interactions WHERE user_id = ? OR pending_user_id = ?').run(userId, userId);
      this.#prepare('UPDATE grants SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(
        now,
        userId,
      );
    });
    this.#revokeUserClientAccess = db.transaction((userId, clientId, now) => {
      this.#prepare(
        'UPDATE grants SET revoked_at = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL',
      ).run(now, userId, clientId);
      this.#prepare('DELETE FROM consents WHERE user_id = ? AND client_id = ?').run(userId, clientId);
    });
    this.#deleteUser = db.transaction((username) => {
      this.#endSessionClients('user_id = (SELECT id FROM users WHERE username = ?)', username);
      return this.#prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0;
    });
    this.#deleteSession = db.transaction((idHash, userId) => {
      const deleted =
        userId === null
          ? this.#prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash)
          : this.#prepare('DELETE FROM sessions WHERE user_id = ? AND id_hash = ?').run(userId, idHash);
      if (deleted.changes === 0) return false;
      this.#endSessionClients('session_id_hash = ?', idHash);
      return true;
    });
    this.#claimDueLogouts = db.transaction((now, leaseUntil, limit) => {
      const rows = this.#prepare(`
        UPDATE session_clients SET next_attempt_at = @lease_until, attempts = attempts + 1
        WHERE rowid IN (
          SELECT rowid FROM session_clients WHERE next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @limit)
        RETURNING *`).all({ now, lease_until: leaseUntil, limit }) as SessionClientRow[];
      return rows.map(toSessionClient);
    });
    this.#deleteTotp = db.transaction((userId) => {
      this.#prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
      return this.#prepare('DELETE FROM totp_credentials WHERE user_id = ?').run(userId).changes > 0;
    });
    this.#replaceRecoveryCodes = db.transaction((userId, codeHashes, now) => {
      this.#prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
      const insert = this.#prepare(
        'INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)',
      );
      for (const hash of codeHashes) insert.run(userId, hash, now);
    });
  }

  async migrate(): Promise<void> {
    this.#migrate.immediate();
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  async insertUser(user: UserRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO users (id, username, password_hash, email, email_verified, name, admin, disabled_at, created_at, updated_at)
      VALUES (@id, @username, @password_hash, @email, @email_verified, @name, @admin, @disabled_at, @created_at, @updated_at)`).run(
      toUserRow(user),
    );
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    const row = this.#prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row === undefined ? null : toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const row = this.#prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row === undefined ? null : toUser(row);
  }

  async findUsersByEmail(email: string): Promise<UserRecord[]> {
    const rows = this.#prepare(
      'SELECT * FROM users WHERE lower(email) = lower(?) ORDER BY created_at, id',
    ).all(email) as UserRow[];
    return rows.map(toUser);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.#prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser);
  }

  async hasAdmin(): Promise<boolean> {
    return this.#prepare('SELECT 1 FROM users WHERE admin = 1 LIMIT 1').get() !== undefined;
  }

  async updateUser(user: UserRecord): Promise<boolean> {
    const result = this.#prepare(`
      UPDATE users SET username = @username, password_hash = @password_hash, email = @email,
        email_verified = @email_verified, name = @name, admin = @admin, disabled_at = @disabled_at,
        created_at = @created_at, updated_at = @updated_at
      WHERE id = @id`).run(toUserRow(user));
    return result.changes > 0;
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.#deleteUser.immediate(username);
  }

  async revokeUserAccess(userId: string, now: number): Promise<void> {
    this.#revokeUserAccess.immediate(userId, now);
  }

  async insertAccountToken(token: AccountTokenRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO account_tokens (hash, purpose, user_id, email, name, password_hash, browser_binding_hash,
        interaction_id, created_at, expires_at, consumed_at)
      VALUES (@hash, @purpose, @user_id, @email, @name, @password_hash, @browser_binding_hash,
        @interaction_id, @created_at, @expires_at, @consumed_at)`).run(toAccountTokenRow(token));
  }

  async findAccountToken(hash: string): Promise<AccountTokenRecord | null> {
    const row = this.#prepare('SELECT * FROM account_tokens WHERE hash = ?').get(hash) as
      | AccountTokenRow
      | undefined;
    return row === undefined ? null : toAccountToken(row);
  }

  async consumeAccountToken(
    hash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const row = this.#prepare(`
      UPDATE account_tokens SET consumed_at = @now
      WHERE hash = @hash AND purpose = @purpose AND consumed_at IS NULL AND expires_at > @now
      RETURNING *`).get({ now, hash, purpose }) as AccountTokenRow | undefined;
    return row === undefined ? null : toAccountToken(row);
  }

  async deleteAccountTokens(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    this.#prepare('DELETE FROM account_tokens WHERE user_id = ? AND purpose = ?').run(userId, purpose);
  }

  async insertClient(client: ClientRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO clients (client_id, client_secret_hash, name, redirect_uris, post_logout_redirect_uris,
        grant_types, token_endpoint_auth_method, first_party, id_token_signed_response_alg,
        always_issue_refresh_token, allow_missing_pkce, jwks, jwks_uri, dpop_bound_access_tokens,
        registration_access_token_hash, metadata, created_at, require_pushed_authorization_requests,
        subject_type, sector_identifier, backchannel_logout_uri, backchannel_logout_session_required)
      VALUES (@client_id, @client_secret_hash, @name, @redirect_uris, @post_logout_redirect_uris,
        @grant_types, @token_endpoint_auth_method, @first_party, @id_token_signed_response_alg,
        @always_issue_refresh_token, @allow_missing_pkce, @jwks, @jwks_uri, @dpop_bound_access_tokens,
        @registration_access_token_hash, @metadata, @created_at, @require_pushed_authorization_requests,
        @subject_type, @sector_identifier, @backchannel_logout_uri, @backchannel_logout_session_required)`).run(
      toClientRow(client),
    );
  }

  async findClient(clientId: string): Promise<ClientRecord | null> {
    const row = this.#prepare('SELECT * FROM clients WHERE client_id = ?').get(clientId) as
      | ClientRow
      | undefined;
    return row === undefined ? null : toClient(row);
  }

  async listClients(): Promise<ClientRecord[]> {
    return (this.#prepare('SELECT * FROM clients ORDER BY client_id').all() as ClientRow[]).map(toClient);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.#prepare('DELETE FROM clients WHERE client_id = ?').run(clientId).changes > 0;
  }

  async updateClient(client: ClientRecord): Promise<boolean> {
    const result = this.#prepare(`
      UPDATE clients SET client_secret_hash = @client_secret_hash, name = @name, redirect_uris = @redirect_uris,
        post_logout_redirect_uris = @post_logout_redirect_uris, grant_types = @grant_types,
        token_endpoint_auth_method = @token_endpoint_auth_method, first_party = @first_party,
        id_token_signed_response_alg = @id_token_signed_response_alg,
        always_issue_refresh_token = @always_issue_refresh_token, allow_missing_pkce = @allow_missing_pkce,
        jwks = @jwks, jwks_uri = @jwks_uri, dpop_bound_access_tokens = @dpop_bound_access_tokens,
        registration_access_token_hash = @registration_access_token_hash, metadata = @metadata,
        created_at = @created_at, require_pushed_authorization_requests = @require_pushed_authorization_requests,
        subject_type = @subject_type, sector_identifier = @sector_identifier,
        backchannel_logout_uri = @backchannel_logout_uri,
        backchannel_logout_session_required = @backchannel_logout_session_required
      WHERE client_id = @client_id`).run(toClientRow(client));
    return result.changes > 0;
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at)
      VALUES (@kid, @alg, @private_jwk, @public_jwk, @created_at, @retired_at)`).run({
      kid: key.kid,
      alg: key.alg,
      private_jwk: key.privateJwk,
      public_jwk: key.publicJwk,
      created_at: key.createdAt,
      retired_at: key.retiredAt,
    });
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    // rowid breaks ties between keys created in the same second: the first inserted is older.
    const rows = this.#prepare(
      'SELECT * FROM signing_keys ORDER BY created_at, rowid',
    ).all() as SigningKeyRow[];
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
    const result = this.#prepare(
      'UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL',
    ).run(now, kid);
    return result.changes > 0;
  }

  async deleteSigningKey(kid: string): Promise<boolean> {
    return this.#prepare('DELETE FROM signing_keys WHERE kid = ?').run(kid).changes > 0;
  }

  async insertInteraction(interaction: InteractionRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO interactions (id, client_id, parameters, csrf_token, browser_binding_hash, user_id, auth_time,
        amr, pending_user_id, created_at, expires_at)
      VALUES (@id, @client_id, @parameters, @csrf_token, @browser_binding_hash, @user_id, @auth_time,
        @amr, @pending_user_id, @created_at, @expires_at)`).run(toInteractionRow(interaction));
  }

  async findInteraction(id: string): Promise<InteractionRecord | null> {
    const row = this.#prepare('SELECT * FROM interactions WHERE id = ?').get(id) as
      | InteractionRow
      | undefined;
    return row === undefined ? null : toInteraction(row);
  }

  async setInteractionLogin(
    id: string,
    login: { userId: string; authTime: number; amr: string[] },
  ): Promise<boolean> {
    const result = this.#prepare(
      'UPDATE interactions SET user_id = ?, auth_time = ?, amr = ?, pending_user_id = NULL WHERE id = ?',
    ).run(login.userId, login.authTime, JSON.stringify(login.amr), id);
    return result.changes > 0;
  }

  async setInteractionPendingUser(id: string, userId: string | null): Promise<boolean> {
    return (
      this.#prepare('UPDATE interactions SET pending_user_id = ? WHERE id = ?').run(userId, id).changes > 0
    );
  }

  async deleteInteraction(id: string): Promise<void> {
    this.#prepare('DELETE FROM interactions WHERE id = ?').run(id);
  }

  async insertSession(session: SessionRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO sessions (id_hash, user_id, auth_time, amr, created_at, expires_at)
      VALUES (@id_hash, @user_id, @auth_time, @amr, @created_at, @expires_at)`).run(toSessionRow(session));
  }

  async findSession(idHash: string): Promise<SessionRecord | null> {
    const row = this.#prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as
      | SessionRow
      | undefined;
    return row === undefined ? null : toSession(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#deleteSession.immediate(idHash, null);
  }

  async findConsent(userId: string, clientId: string): Promise<ConsentRecord | null> {
    const row = this.#prepare('SELECT * FROM consents WHERE user_id = ? AND client_id = ?').get(
      userId,
      clientId,
    ) as ConsentRow | undefined;
    if (row === undefined) return null;
    return {
      userId: row.user_id,
      clientId: row.client_id,
      scopes: JSON.parse(row.scopes) as string[],
      updatedAt: row.updated_at,
    };
  }

  async saveConsent(consent: ConsentRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`).run(
      consent.userId,
      consent.clientId,
      JSON.stringify(consent.scopes),
      consent.updatedAt,
    );
  }

  async insertGrant(grant: GrantRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO grants (id, client_id, user_id, scopes, auth_time, amr, nonce, redirect_uri, code_hash,
        code_challenge, resources, dpop_jkt, claims, sid, code_expires_at, code_consumed_at, revoked_at, created_at,
        expires_at)
      VALUES (@id, @client_id, @user_id, @scopes, @auth_time, @amr, @nonce, @redirect_uri, @code_hash,
        @code_challenge, @resources, @dpop_jkt, @claims, @sid, @code_expires_at, @code_consumed_at, @revoked_at,
        @created_at, @expires_at)`).run({
      id: grant.id,
      client_id: grant.clientId,
      user_id: grant.userId,
      scopes: JSON.stringify(grant.scopes),
      auth_time: grant.authTime,
      amr: JSON.stringify(grant.amr),
      nonce: grant.nonce,
      redirect_uri: grant.redirectUri,
      code_hash: grant.codeHash,
      code_challenge: grant.codeChallenge,
      resources: JSON.stringify(grant.resources),
      dpop_jkt: grant.dpopJkt,
      claims: grant.claims,
      sid: grant.sid,
      code_expires_at: grant.codeExpiresAt,
      code_consumed_at: grant.codeConsumedAt,
      revoked_at: grant.revokedAt,
      created_at: grant.createdAt,
      expires_at: grant.expiresAt,
    });
  }

  async findGrant(id: string): Promise<GrantRecord | null> {
    const row = this.#prepare('SELECT * FROM grants WHERE id = ?').get(id) as GrantRow | undefined;
    return row === undefined ? null : toGrant(row);
  }

  async findGrantByCodeHash(codeHash: string): Promise<GrantRecord | null> {
    const row = this.#prepare('SELECT * FROM grants WHERE code_hash = ?').get(codeHash) as
      | GrantRow
      | undefined;
    return row === undefined ? null : toGrant(row);
  }

  async redeemCode(redemption: CodeRedemption): Promise<GrantRecord | null> {
    // The conditional UPDATE alone is the whole, atomic, redemption.
    // `IS` compares NULL as a value: a code issued without a challenge matches only a redemption without one.
    // A code bound to a DPoP key needs a proof by it: `=` with a NULL thumbprint never matches.
    const row = this.#prepare(`
      UPDATE grants SET code_consumed_at = @now
      WHERE code_hash = @code_hash AND client_id = @client_id AND redirect_uri = @redirect_uri
        AND code_challenge IS @code_challenge AND (dpop_jkt IS NULL OR dpop_jkt = @dpop_jkt)
        AND code_consumed_at IS NULL AND code_expires_at > @now AND revoked_at IS NULL
      RETURNING *`).get({
      now: redemption.now,
      code_hash: redemption.codeHash,
      client_id: redemption.clientId,
      redirect_uri: redemption.redirectUri,
      code_challenge: redemption.codeChallenge,
      dpop_jkt: redemption.dpopJkt,
    }) as GrantRow | undefined;
    return row === undefined ? null : toGrant(row);
  }

  async revokeGrant(id: string, now: number): Promise<void> {
    // The first revocation's time stays.
    this.#prepare('UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id);
  }

  /**
   * Stores the first refresh token of a just-redeemed grant and extends the grant's `expiresAt` to
   * at least the token's, in one `BEGIN IMMEDIATE` transaction: either both happen or neither.
   *
   * @throws when the hash is taken or the grant does not exist (`SQLITE_CONSTRAINT_*`)
   */
  async insertRefreshToken(token: RefreshTokenRecord): Promise<void> {
    this.#insertRefreshTokenExtendingGrant.immediate(token);
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
    const row = this.#prepare('SELECT * FROM refresh_tokens WHERE hash = ?').get(hash) as
      | RefreshTokenRow
      | undefined;
    return row === undefined ? null : toRefreshToken(row);
  }

  async rotateRefreshToken(
    rotation: RefreshRotation,
  ): Promise<{ previous: RefreshTokenRecord; grant: GrantRecord } | null> {
    return this.#rotateRefreshToken.immediate(rotation);
  }

  async listUserSessions(userId: string, now: number): Promise<SessionRecord[]> {
    const rows = this.#prepare(
      'SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id_hash',
    ).all(userId, now) as SessionRow[];
    return rows.map(toSession);
  }

  async deleteUserSession(userId: string, idHash: string): Promise<boolean> {
    return this.#deleteSession.immediate(idHash, userId);
  }

  async listUserGrants(userId: string, now: number): Promise<GrantRecord[]> {
    const rows = this.#prepare(`
      SELECT * FROM grants
      WHERE user_id = ? AND revoked_at IS NULL AND code_consumed_at IS NOT NULL AND expires_at > ?
      ORDER BY created_at DESC, id`).all(userId, now) as GrantRow[];
    return rows.map(toGrant);
  }

  async revokeUserClientAccess(userId: string, clientId: string, now: number): Promise<void> {
    this.#revokeUserClientAccess.immediate(userId, clientId, now);
  }

  async findUpstreamIdentity(provider: string, subject: string): Promise<UpstreamIdentityRecord | null> {
    const row = this.#prepare('SELECT * FROM upstream_identities WHERE provider = ? AND subject = ?').get(
      provider,
      subject,
    ) as UpstreamIdentityRow | undefined;
    return row === undefined ? null : toUpstreamIdentity(row);
  }

  async insertUpstreamIdentity(identity: UpstreamIdentityRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO upstream_identities (provider, subject, user_id, email, created_at, last_used_at)
      VALUES (@provider, @subject, @user_id, @email, @created_at, @last_used_at)`).run(
      toUpstreamIdentityRow(identity),
    );
  }

  async touchUpstreamIdentity(
    provider: string,
    subject: string,
    email: string | null,
    now: number,
  ): Promise<void> {
    this.#prepare(
      'UPDATE upstream_identities SET email = ?, last_used_at = ? WHERE provider = ? AND subject = ?',
    ).run(email, now, provider, subject);
  }

  async listUpstreamIdentities(userId: string): Promise<UpstreamIdentityRecord[]> {
    const rows = this.#prepare(
      'SELECT * FROM upstream_identities WHERE user_id = ? ORDER BY created_at, provider, subject',
    ).all(userId) as UpstreamIdentityRow[];
    return rows.map(toUpstreamIdentity);
  }

  async insertPasskey(passkey: PasskeyRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO passkeys (credential_id, user_id, public_key, counter, transports, backed_up, name, created_at,
        last_used_at)
      VALUES (@credential_id, @user_id, @public_key, @counter, @transports, @backed_up, @name, @created_at,
        @last_used_at)`).run(toPasskeyRow(passkey));
  }

  async findPasskey(credentialId: string): Promise<PasskeyRecord | null> {
    const row = this.#prepare('SELECT * FROM passkeys WHERE credential_id = ?').get(credentialId) as
      | PasskeyRow
      | undefined;
    return row === undefined ? null : toPasskey(row);
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    const rows = this.#prepare(
      'SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, credential_id',
    ).all(userId) as PasskeyRow[];
    return rows.map(toPasskey);
  }

  async usePasskey(credentialId: string, counter: number, now: number): Promise<boolean> {
    const result = this.#prepare(`
      UPDATE passkeys SET counter = @counter, last_used_at = @now
      WHERE credential_id = @credential_id AND ((counter = 0 AND @counter = 0) OR counter < @counter)`).run({
      counter,
      now,
      credential_id: credentialId,
    });
    return result.changes > 0;
  }

  async deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    return (
      this.#prepare('DELETE FROM passkeys WHERE user_id = ? AND credential_id = ?').run(userId, credentialId)
        .changes > 0
    );
  }

  async findTotp(userId: string): Promise<TotpRecord | null> {
    const row = this.#prepare('SELECT * FROM totp_credentials WHERE user_id = ?').get(userId) as
      | TotpRow
      | undefined;
    return row === undefined ? null : toTotp(row);
  }

  async saveTotp(totp: TotpRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO totp_credentials (user_id, secret, confirmed_at, last_step, created_at)
      VALUES (@user_id, @secret, @confirmed_at, @last_step, @created_at)
      ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = excluded.confirmed_at,
        last_step = excluded.last_step, created_at = excluded.created_at`).run(toTotpRow(totp));
  }

  async useTotpStep(userId: string, step: number): Promise<boolean> {
    const result = this.#prepare(`
      UPDATE totp_credentials SET last_step = @step
      WHERE user_id = @user_id AND confirmed_at IS NOT NULL AND last_step < @step`).run({
      step,
      user_id: userId,
    });
    return result.changes > 0;
  }

  async deleteTotp(userId: string): Promise<boolean> {
    return this.#deleteTotp.immediate(userId);
  }

  async replaceRecoveryCodes(userId: string, codeHashes: string[], now: number): Promise<void> {
    this.#replaceRecoveryCodes.immediate(userId, codeHashes, now);
  }

  async useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean> {
    const result = this.#prepare(
      'UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL',
    ).run(now, userId, codeHash);
    return result.changes > 0;
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    return this.#prepare('SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL')
      .pluck()
      .get(userId) as number;
  }

  async recordLoginFailure(keys: string[], now: number): Promise<void> {
    this.#recordLoginFailure.immediate(keys, now);
  }

  async countLoginFailures(key: string, since: number): Promise<number> {
    return this.#prepare('SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?')
      .pluck()
      .get(key, since) as number;
  }

  async clearLoginFailures(key: string): Promise<void> {
    this.#prepare('DELETE FROM login_failures WHERE key = ?').run(key);
  }

  async rememberOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // One atomic statement: it inserts an absent key, takes over a record that has expired (expires_at <= now), and changes nothing while the record lasts.
    const result = this.#prepare(`
      INSERT INTO remembered_once (key, expires_at) VALUES (@key, @expires_at)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE remembered_once.expires_at <= @now`).run(
      {
        key,
        expires_at: expiresAt,
        now,
      },
    );
    return result.changes > 0;
  }

  async sharedValue(name: string, candidate: string): Promise<string> {
    // Whoever inserts first wins; everyone, the winner included, then reads the stored value.
    this.#prepare(
      'INSERT INTO shared_values (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
    ).run(name, candidate, Math.floor(Date.now() / 1000));
    return this.#prepare('SELECT value FROM shared_values WHERE name = ?').pluck().get(name) as string;
  }

  async sweepExpired(now: number, loginFailuresBefore: number): Promise<number> {
    return this.#sweepExpired.immediate(now, loginFailuresBefore);
  }

  async appendAuditEvents(events: AuditEventRecord[]): Promise<void> {
    if (events.length > 0) this.#appendAuditEvents.immediate(events);
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]> {
    const { text, params } = auditQuerySql(query, 'sqlite');
    return (this.#prepare(text).all(...params) as AuditEventRow[]).map(toAuditEvent);
  }

  async deleteAuditEventsBefore(before: number): Promise<number> {
    return this.#prepare('DELETE FROM audit_events WHERE time < ?').run(before).changes;
  }

  async ping(): Promise<void> {
    this.#prepare('SELECT 1').get();
  }

  async insertPushedRequest(request: PushedRequestRecord): Promise<void> {
    this.#prepare(
      'INSERT INTO pushed_requests (hash, client_id, parameters, expires_at) VALUES (?, ?, ?, ?)',
    ).run(request.hash, request.clientId, JSON.stringify(request.parameters), request.expiresAt);
  }

  async consumePushedRequest(
    hash: string,
    clientId: string,
    now: number,
  ): Promise<Record<string, string> | null> {
    const row = this.#prepare(`
      UPDATE pushed_requests SET consumed_at = ?
      WHERE hash = ? AND client_id = ? AND consumed_at IS NULL AND expires_at > ?
      RETURNING parameters`).get(now, hash, clientId, now) as { parameters: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.parameters) as Record<string, string>);
  }

  async insertDeviceAuthorization(authorization: DeviceAuthorizationRecord): Promise<void> {
    this.#prepare(`
      INSERT INTO device_authorizations (device_code_hash, user_code_hash, client_id, scopes, resources, status,
        user_id, auth_time, amr, poll_interval, last_polled_at, created_at, expires_at, consumed_at)
      VALUES (@device_code_hash, @user_code_hash, @client_id, @scopes, @resources, @status, @user_id, @auth_time,
        @amr, @poll_interval, @last_polled_at, @created_at, @expires_at, @consumed_at)`).run(
      toDeviceAuthorizationRow(authorization),
    );
  }

  async findDeviceAuthorizationByUserCode(userCodeHash: string): Promise<DeviceAuthorizationRecord | null> {
    const row = this.#prepare('SELECT * FROM device_authorizations WHERE user_code_hash = ?').get(
      userCodeHash,
    ) as DeviceAuthorizationRow | undefined;
    return row === undefined ? null : toDeviceAuthorization(row);
  }

  async decideDeviceAuthorization(
    userCodeHash: string,
    decision: DeviceDecision,
    now: number,
  ): Promise<boolean> {
    const result = this.#prepare(`
      UPDATE device_authorizations SET status = ?, user_id = ?, auth_time = ?, amr = ?
      WHERE user_code_hash = ? AND status = 'pending' AND expires_at > ?`).run(
      decision.approved ? 'approved' : 'denied',
      decision.userId,
      decision.authTime,
      JSON.stringify(decision.amr),
      userCodeHash,
      now,
    );
    return result.changes > 0;
  }

  async pollDeviceAuthorization(
    deviceCodeHash: string,
    clientId: string,
    now: number,
  ): Promise<DevicePoll | null> {
    return this.#pollDeviceAuthorization.immediate(deviceCodeHash, clientId, now);
  }

  async listSettings(): Promise<Record<string, string>> {
    const rows = this.#prepare('SELECT name, value FROM settings').all() as { name: string; value: string }[];
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  async saveSetting(name: string, value: string | null, now: number): Promise<void> {
    if (value === null) {
      this.#prepare('DELETE FROM settings WHERE name = ?').run(name);
      return;
    }
    this.#prepare(`
      INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(
      name,
      value,
      now,
    );
  }

  async insertSessionClient(record: NewSessionClient): Promise<void> {
    this.#prepare(`
      INSERT INTO session_clients (session_id_hash, client_id, user_id, sid, created_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (session_id_hash, client_id) DO NOTHING`).run(
      record.sessionIdHash,
      record.clientId,
      record.userId,
      record.sid,
      record.createdAt,
      record.expiresAt,
    );
  }

  async claimDueLogouts(now: number, leaseUntil: number, limit: number): Promise<SessionClientRecord[]> {
    // A read first: the periodic look finds nothing due almost always, and then takes no write lock.
    if (
      this.#prepare('SELECT 1 FROM session_clients WHERE next_attempt_at <= ? LIMIT 1').get(now) === undefined
    )
      return [];
    return this.#claimDueLogouts.immediate(now, leaseUntil, limit);
  }

  async settleLogout(sessionIdHash: string, clientId: string, retryAt: number | null): Promise<void> {
    if (retryAt === null) {
      this.#prepare('DELETE FROM session_clients WHERE session_id_hash = ? AND client_id = ?').run(
        sessionIdHash,
        clientId,
      );
      return;
    }
    this.#prepare(
      'UPDATE session_clients SET next_attempt_at = ? WHERE session_id_hash = ? AND client_id = ?',
    ).run(retryAt, sessionIdHash, clientId);
  }

  /** Makes the back-channel logouts of the live records matching `where` due at once (inside a transaction). */
  #endSessionClients(where: string, value: string): void {
    this.#prepare(
      `UPDATE session_clients SET next_attempt_at = 0 WHERE next_attempt_at IS NULL AND ${where}`,
    ).run(value);
  }

  /** The statement for `sql`, prepared on its first use (after the schema exists) and then reused. */
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #applyMigrations(): void {
    this.#db.exec(createSchemaMigrationsTable);
    const applied = new Set(this.#db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
    const unknown = [...applied].filter((id) => !migrations.some((migration) => migration.id === id));
    if (unknown.length > 0) {
      throw new Error(
        `the database has migrations this codegrant does not know (${unknown.join(', ')}): a newer version migrated it`,
      );
    }
    const record = this.#db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      this.#db.exec(migrationSql(migration, 'sqlite'));
      record.run(migration.id, migration.name, Math.floor(Date.now() / 1000));
    }
  }

  #insertRefreshToken(token: RefreshTokenRecord): void {
    this.#prepare(`
      INSERT INTO refresh_tokens (hash, grant_id, client_id, scopes, created_at, expires_at, rotated_at, dpop_jkt,
        successor_sealed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      token.hash,
      token.grantId,
      token.clientId,
      JSON.stringify(token.scopes),
      token.createdAt,
      token.expiresAt,
      token.rotatedAt,
      token.dpopJkt,
      token.successorSealed,
    );
  }
}

/**
 * Opens the SQLite store at `path` and brings its schema up to date.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore('./codegrant.db');
 * ```
 */
export async function openSqliteStore(path: string, options?: SqliteStoreOptions): Promise<SqliteStore> {
  const store = new SqliteStore(path, options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * The in-memory store, for tests: plain maps that keep the SQL stores' constraints and atomicity.
 */
import { EXPIRED_DEVICE_AUTHORIZATION_KEPT_SECONDS, pollDeviceAuthorizationRecord } from './device-poll.ts';
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

/**
 * A {@link Store} in plain maps, lost when the process ends.
 *
 * It behaves as the SQL stores do, so tests written against it hold for them: duplicate keys and
 * references to missing users, clients or grants are rejected, deleting a user or a client deletes
 * what was issued for them, and records are copied in and out (changing a returned record changes
 * nothing stored). Each redemption checks and writes without an `await` in between, which makes it
 * atomic on JavaScript's single thread.
 */
export class MemoryStore implements Store {
  readonly #users = new Map<string, UserRecord>();
  /** In id order: ids sort by time, and events are appended as they happen. */
  readonly #auditEvents: AuditEventRecord[] = [];
  readonly #settings = new Map<string, string>();
  readonly #pushedRequests = new Map<string, PushedRequestRecord & { consumedAt: number | null }>();
  /** By device code hash. */
  readonly #deviceAuthorizations = new Map<string, DeviceAuthorizationRecord>();
  readonly #clients = new Map<string, ClientRecord>();
  readonly #signingKeys = new Map<string, SigningKeyRecord>();
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #sessions = new Map<string, SessionRecord>();
  /** By {@link consentKey}. */
  readonly #consents = new Map<string, ConsentRecord>();
  readonly #grants = new Map<string, GrantRecord>();
  readonly #grantIdsByCodeHash = new Map<string, string>();
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
  /** The times of the failures counted against each key. */
  readonly #loginFailures = new Map<string, number[]>();
  /** The `expiresAt` of each {@link MemoryStore.rememberOnce} key. */
  readonly #remembered = new Map<string, number>();
  readonly #sharedValues = new Map<string, string>();
  readonly #accountTokens = new Map<string, AccountTokenRecord>();
  readonly #totps = new Map<string, TotpRecord>();
  readonly #passkeys = new Map<string, PasskeyRecord>();
  /** By JSON `[provider, subject]`. */
  readonly #upstreamIdentities = new Map<string, UpstreamIdentityRecord>();
  /** Per user: code hash → when it was used (`null`: unused). */
  readonly #recoveryCodes = new Map<string, Map<string, number | null>>();
  /** By JSON `[sessionIdHash, clientId]`. */
  readonly #sessionClients = new Map<string, SessionClientRecord>();

  async migrate(): Promise<void> {}

  async close(): Promise<void> {}

  async insertUser(user: UserRecord): Promise<void> {
    unique(this.#users, user.id, 'user id');
    if (this.#findUser((candidate) => candidate.username === user.username) !== undefined) {
      throw new Error(`username ${user.username} is taken`);
    }
    this.#users.set(user.id, copy(user));
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    return copyOrNull(this.#users.get(id));
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    return copyOrNull(this.#findUser((user) => user.username === username));
  }

  async findUsersByEmail(email: string): Promise<UserRecord[]> {
    const wanted = email.toLowerCase();
    return [...this.#users.values()]
      .filter((user) => user.email?.toLowerCase() === wanted)
      .sort((a, b) => a.createdAt - b.createdAt || compare(a.id, b.id))
      .map(copy);
  }

  async listUsers(): Promise<UserRecord[]> {
    return [...this.#users.values()].sort((a, b) => compare(a.username, b.username)).map(copy);
  }

  async deleteUser(username: string): Promise<boolean> {
    const user = this.#findUser((candidate) => candidate.username === username);
    if (user === undefined) return false;
    this.#endSessionClients((entry) => entry.userId === user.id);
    this.#users.delete(user.id);
    deleteWhere(this.#interactions, (interaction) => interaction.userId === user.id);
    deleteWhere(this.#sessions, (session) => session.userId === user.id);
    deleteWhere(this.#consents, (consent) => consent.userId === user.id);
    deleteWhere(this.#accountTokens, (token) => token.userId === user.id);
    deleteWhere(this.#interactions, (interaction) => interaction.pendingUserId === user.id);
    this.#totps.delete(user.id);
    deleteWhere(this.#passkeys, (passkey) => passkey.userId === user.id);
    deleteWhere(this.#upstreamIdentities, (identity) => identity.userId === user.id);
    this.#recoveryCodes.delete(user.id);
    deleteWhere(this.#deviceAuthorizations, (authorization) => authorization.userId === user.id);
    this.#deleteGrants((grant) => grant.userId === user.id);
    return true;
  }

  async hasAdmin(): Promise<boolean> {
    return this.#findUser((user) => user.admin) !== undefined;
  }

  async updateUser(user: UserRecord): Promise<boolean> {
    if (!this.#users.has(user.id)) return false;
    const taken = this.#findUser((other) => other.username === user.username && other.id !== user.id);
    if (taken !== undefined) throw new Error(`username ${user.username} is taken`);
    this.#users.set(user.id, copy(user));
    return true;
  }

  async revokeUserAccess(userId: string, now: number): Promise<void> {
    this.#endSessionClients((entry) => entry.userId === userId);
    deleteWhere(this.#sessions, (session) => session.userId === userId);
    deleteWhere(
      this.#interactions,
      (interaction) => interaction.userId === userId || interaction.pendingUserId === userId,
    );
    for (const grant of this.#grants.values()) {
      if (grant.userId === userId && grant.revokedAt === null) grant.revokedAt = now;
    }
  }

  async insertAccountToken(token: AccountTokenRecord): Promise<void> {
    unique(this.#accountTokens, token.hash, 'account token');
    if (token.userId !== null) this.#requireUser(token.userId);
    this.#accountTokens.set(token.hash, copy(token));
  }

  async findAccountToken(hash: string): Promise<AccountTokenRecord | null> {
    return copyOrNull(this.#accountTokens.get(hash));
  }

  async consumeAccountToken(
    hash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const token = this.#accountTokens.get(hash);
    if (!token || token.purpose !== purpose || token.consumedAt !== null || token.expiresAt <= now)
      return null;
    token.consumedAt = now;
    return copy(token);
  }

  async deleteAccountTokens(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    deleteWhere(this.#accountTokens, (token) => token.userId === userId && token.purpose === purpose);
  }

  async insertClient(client: ClientRecord): Promise<void> {
    unique(this.#clients, client.clientId, 'client id');
    this.#clients.set(client.clientId, copy(client));
  }

  async findClient(clientId: string): Promise<ClientRecord | null> {
    return copyOrNull(this.#clients.get(clientId));
  }

  async listClients(): Promise<ClientRecord[]> {
    return [...this.#clients.values()].sort((a, b) => compare(a.clientId, b.clientId)).map(copy);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    if (!this.#clients.delete(clientId)) return false;
    deleteWhere(this.#interactions, (interaction) => interaction.clientId === clientId);
    deleteWhere(this.#sessionClients, (entry) => entry.clientId === clientId);
    deleteWhere(this.#consents, (consent) => consent.clientId === clientId);
    deleteWhere(this.#pushedRequests, (request) => request.clientId === clientId);
    deleteWhere(this.#deviceAuthorizations, (authorization) => authorization.clientId === clientId);
    this.#deleteGrants((grant) => grant.clientId === clientId);
    return true;
  }

  async updateClient(client: ClientRecord): Promise<boolean> {
    if (!this.#clients.has(client.clientId)) return false;
    this.#clients.set(client.clientId, copy(client));
    return true;
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    unique(this.#signingKeys, key.kid, 'signing key id');
    this.#signingKeys.set(key.kid, copy(key));
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    // The sort is stable: keys created in the same second stay in insertion order.
    return [...this.#signingKeys.values()].sort((a, b) => a.createdAt - b.createdAt).map(copy);
  }

  async retireSigningKey(kid: string, now: number): Promise<boolean> {
    const key = this.#signingKeys.get(kid);
    // The first retirement's time stays.
    if (key === undefined || key.retiredAt !== null) return false;
    key.retiredAt = now;
    return true;
  }

  async deleteSigningKey(kid: string): Promise<boolean> {
    return this.#signingKeys.delete(kid);
  }

  async insertInteraction(interaction: InteractionRecord): Promise<void> {
    unique(this.#interactions, interaction.id, 'interaction id');
    this.#requireClient(interaction.clientId);
    if (interaction.userId !== null) this.#requireUser(interaction.userId);
    if (interaction.pendingUserId !== null) this.#requireUser(interaction.pendingUserId);
    this.#interactions.set(interaction.id, copy(interaction));
  }

  async findInteraction(id: string): Promise<InteractionRecord | null> {
    return copyOrNull(this.#interactions.get(id));
  }

  async setInteractionLogin(
    id: string,
    login: { userId: string; authTime: number; amr: string[] },
  ): Promise<boolean> {
    const interaction = this.#interactions.get(id);
    if (interaction === undefined) return false;
    this.#requireUser(login.userId);
    interaction.userId = login.userId;
    interaction.authTime = login.authTime;
    interaction.amr = [...login.amr];
    interaction.pendingUserId = null;
    return true;
  }

  async setInteractionPendingUser(id: string, userId: string | null): Promise<boolean> {
    const interaction = this.#interactions.get(id);
    if (interaction === undefined) return false;
    if (userId !== null) this.#requireUser(userId);
    interaction.pendingUserId = userId;
    return true;
  }

  async deleteInteraction(id: string): Promise<void> {
    this.#interactions.delete(id);
  }

  async insertSession(session: SessionRecord): Promise<void> {
    unique(this.#sessions, session.idHash, 'session');
    this.#requireUser(session.userId);
    this.#sessions.set(session.idHash, copy(session));
  }

  async findSession(idHash: string): Promise<SessionRecord | null> {
    return copyOrNull(this.#sessions.get(idHash));
  }

  async deleteSession(idHash: string): Promise<void> {
    if (this.#sessions.delete(idHash)) this.#endSessionClients((entry) => entry.sessionIdHash === idHash);
  }

  async findConsent(userId: string, clientId: string): Promise<ConsentRecord | null> {
    return copyOrNull(this.#consents.get(consentKey(userId, clientId)));
  }

  async saveConsent(consent: ConsentRecord): Promise<void> {
    this.#requireUser(consent.userId);
    this.#requireClient(consent.clientId);
    this.#consents.set(consentKey(consent.userId, consent.clientId), copy(consent));
  }

  async insertGrant(grant: GrantRecord): Promise<void> {
    unique(this.#grants, grant.id, 'grant id');
    unique(this.#grantIdsByCodeHash, grant.codeHash, 'code');
    this.#requireClient(grant.clientId);
    this.#requireUser(grant.userId);
    this.#grants.set(grant.id, copy(grant));
    this.#grantIdsByCodeHash.set(grant.codeHash, grant.id);
  }

  async findGrant(id: string): Promise<GrantRecord | null> {
    return copyOrNull(this.#grants.get(id));
  }

  async findGrantByCodeHash(codeHash: string): Promise<GrantRecord | null> {
    return copyOrNull(this.#grantByCodeHash(codeHash));
  }

  async redeemCode(redemption: CodeRedemption): Promise<GrantRecord | null> {
    const grant = this.#grantByCodeHash(redemption.codeHash);
    if (
      grant === undefined ||
      grant.clientId !== redemption.clientId ||
      grant.redirectUri !== redemption.redirectUri ||
      grant.codeChallenge !== redemption.codeChallenge ||
      (grant.dpopJkt !== null && grant.dpopJkt !== redemption.dpopJkt) ||
      grant.codeConsumedAt !== null ||
      grant.codeExpiresAt <= redemption.now ||
      grant.revokedAt !== null
    ) {
      return null;
    }
    grant.codeConsumedAt = redemption.now;
    return copy(grant);
  }

  async revokeGrant(id: string, now: number): Promise<void> {
    const grant = this.#grants.get(id);
    // The first revocation's time stays.
    if (grant !== undefined && grant.revokedAt === null) grant.revokedAt = now;
  }

  async insertRefreshToken(token: RefreshTokenRecord): Promise<void> {
    // Everything that can fail is checked before anything is written: the insert is all or nothing.
    unique(this.#refreshTokens, token.hash, 'refresh token');
    const grant = this.#grants.get(token.grantId);
    if (grant === undefined) throw new Error(`no grant ${token.grantId}`);
    this.#refreshTokens.set(token.hash, copy(token));
    grant.expiresAt = Math.max(grant.expiresAt, token.expiresAt);
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
    return copyOrNull(this.#refreshTokens.get(hash));
  }

  async rotateRefreshToken(
    rotation: RefreshRotation,
  ): Promise<{ previous: RefreshTokenRecord; grant: GrantRecord } | null> {
    const previous = this.#refreshTokens.get(rotation.hash);
    const grant = previous === undefined ? undefined : this.#grants.get(previous.grantId);
    if (
      previous === undefined ||
      grant === undefined ||
      previous.clientId !== rotation.clientId ||
      previous.rotatedAt !== null ||
      previous.expiresAt <= rotation.now ||
      grant.revokedAt !== null
    ) {
      return null;
    }
    unique(this.#refreshTokens, rotation.next.hash, 'refresh token');
    this.#refreshTokens.set(rotation.next.hash, { ...copy(rotation.next), grantId: grant.id });
    previous.rotatedAt = rotation.now;
    previous.successorSealed = rotation.successorSealed;
    grant.expiresAt = Math.max(grant.expiresAt, rotation.grantExpiresAt);
    return { previous: copy(previous), grant: copy(grant) };
  }

  async listUserSessions(userId: string, now: number): Promise<SessionRecord[]> {
    return [...this.#sessions.values()]
      .filter((session) => session.userId === userId && session.expiresAt > now)
      .sort((a, b) => b.createdAt - a.createdAt || compare(a.idHash, b.idHash))
      .map(copy);
  }

  async deleteUserSession(userId: string, idHash: string): Promise<boolean> {
    const session = this.#sessions.get(idHash);
    if (!session || session.userId !== userId) return false;
    this.#endSessionClients((entry) => entry.sessionIdHash === idHash);
    return this.#sessions.delete(idHash);
  }

  async listUserGrants(userId: string, now: number): Promise<GrantRecord[]> {
    return [...this.#grants.values()]
      .filter(
        (grant) =>
          grant.userId === userId &&
          grant.revokedAt === null &&
          grant.codeConsumedAt !== null &&
          grant.expiresAt > now,
      )
      .sort((a, b) => b.createdAt - a.createdAt || compare(a.id, b.id))
      .map(copy);
  }

  async revokeUserClientAccess(userId: string, clientId: string, now: number): Promise<void> {
    for (const grant of this.#grants.values()) {
      if (grant.userId === userId && grant.clientId === clientId && grant.revokedAt === null)
        grant.revokedAt = now;
    }
    this.#consents.delete(consentKey(userId, clientId));
  }

  async findUpstreamIdentity(provider: string, subject: string): Promise<UpstreamIdentityRecord | null> {
    return copyOrNull(this.#upstreamIdentities.get(JSON.stringify([provider, subject])));
  }

  async insertUpstreamIdentity(identity: UpstreamIdentityRecord): Promise<void> {
    const key = JSON.stringify([identity.provider, identity.subject]);
    unique(this.#upstreamIdentities, key, 'upstream identity');
    this.#requireUser(identity.userId);
    this.#upstreamIdentities.set(key, copy(identity));
  }

  async touchUpstreamIdentity(
    provider: string,
    subject: string,
    email: string | null,
    now: number,
  ): Promise<void> {
    const identity = this.#upstreamIdentities.get(JSON.stringify([provider, subject]));
    if (!identity) return;
    identity.email = email;
    identity.lastUsedAt = now;
  }

  async listUpstreamIdentities(userId: string): Promise<UpstreamIdentityRecord[]> {
    return [...this.#upstreamIdentities.values()]
      .filter((identity) => identity.userId === userId)
      .sort(
        (a, b) =>
          a.createdAt - b.createdAt || compare(a.provider, b.provider) || compare(a.subject, b.subject),
      )
      .map(copy);
  }

  async insertPasskey(passkey: PasskeyRecord): Promise<void> {
    unique(this.#passkeys, passkey.credentialId, 'passkey');
    this.#requireUser(passkey.userId);
    this.#passkeys.set(passkey.credentialId, copy(passkey));
  }

  async findPasskey(credentialId: string): Promise<PasskeyRecord | null> {
    return copyOrNull(this.#passkeys.get(credentialId));
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    return [...this.#passkeys.values()]
      .filter((passkey) => passkey.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || compare(a.credentialId, b.credentialId))
      .map(copy);
  }

  async usePasskey(credentialId: string, counter: number, now: number): Promise<boolean> {
    const passkey = this.#passkeys.get(credentialId);
    if (!passkey || !((passkey.counter === 0 && counter === 0) || passkey.counter < counter)) return false;
    passkey.counter = counter;
    passkey.lastUsedAt = now;
    return true;
  }

  async deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    const passkey = this.#passkeys.get(credentialId);
    if (!passkey || passkey.userId !== userId) return false;
    return this.#passkeys.delete(credentialId);
  }

  async findTotp(userId: string): Promise<TotpRecord | null> {
    return copyOrNull(this.#totps.get(userId));
  }

  async saveTotp(totp: TotpRecord): Promise<void> {
    this.#requireUser(totp.userId);
    this.#totps.set(totp.userId, copy(totp));
  }

  async useTotpStep(userId: string, step: number): Promise<boolean> {
    const totp = this.#totps.get(userId);
    if (!totp || totp.confirmedAt === null || totp.lastStep >= step) return false;
    totp.lastStep = step;
    return true;
  }

  async deleteTotp(userId: string): Promise<boolean> {
    this.#recoveryCodes.delete(userId);
    return this.#totps.delete(userId);
  }

  async replaceRecoveryCodes(userId: string, codeHashes: string[], _now: number): Promise<void> {
    this.#requireUser(userId);
    this.#recoveryCodes.set(userId, new Map(codeHashes.map((hash) => [hash, null])));
  }

  async useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean> {
    const codes = this.#recoveryCodes.get(userId);
    if (!codes || codes.get(codeHash) !== null) return false;
    codes.set(codeHash, now);
    return true;
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    return [...(this.#recoveryCodes.get(userId)?.values() ?? [])].filter((usedAt) => usedAt === null).length;
  }

  async recordLoginFailure(keys: string[], now: number): Promise<void> {
    for (const key of keys) {
      const times = this.#loginFailures.get(key);
      if (times === undefined) this.#loginFailures.set(key, [now]);
      else times.push(now);
    }
  }

  async countLoginFailures(key: string, since: number): Promise<number> {
    return (this.#loginFailures.get(key) ?? []).filter((at) => at >= since).length;
  }

  async clearLoginFailures(key: string): Promise<void> {
    this.#loginFailures.delete(key);
  }

  async rememberOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    const recordedUntil = this.#remembered.get(key);
    if (recordedUntil !== undefined && recordedUntil > now) return false;
    this.#remembered.set(key, expiresAt);
    return true;
  }

  async sharedValue(name: string, candidate: string): Promise<string> {
    const value = this.#sharedValues.get(name);
    if (value !== undefined) return value;
    this.#sharedValues.set(name, candidate);
    return candidate;
  }

  async sweepExpired(now: number, loginFailuresBefore: number): Promise<number> {
    let deleted = this.#deleteGrants((grant) => grant.expiresAt <= now);
    deleted += deleteWhere(this.#interactions, (interaction) => interaction.expiresAt <= now);
    deleted += deleteWhere(this.#sessions, (session) => session.expiresAt <= now);
    deleted += deleteWhere(this.#accountTokens, (token) => token.expiresAt <= now);
    deleted += deleteWhere(this.#remembered, (expiresAt) => expiresAt <= now);
    deleted += deleteWhere(this.#pushedRequests, (request) => request.expiresAt <= now);
    deleted += deleteWhere(
      this.#deviceAuthorizations,
      (authorization) => authorization.expiresAt <= now - EXPIRED_DEVICE_AUTHORIZATION_KEPT_SECONDS,
    );
    deleted += deleteWhere(
      this.#sessionClients,
      (entry) => entry.nextAttemptAt === null && entry.expiresAt <= now,
    );
    for (const [key, times] of this.#loginFailures) {
      const kept = times.filter((at) => at >= loginFailuresBefore);
      deleted += times.length - kept.length;
      if (kept.length === 0) this.#loginFailures.delete(key);
      else this.#loginFailures.set(key, kept);
    }
    return deleted;
  }

  async appendAuditEvents(events: AuditEventRecord[]): Promise<void> {
    const ids = new Set(this.#auditEvents.map((event) => event.id));
    for (const event of events) {
      if (ids.has(event.id)) throw new Error(`audit event id ${event.id} is taken`);
      ids.add(event.id);
    }
    this.#auditEvents.push(...events.map(copy));
    this.#auditEvents.sort((a, b) => compare(a.id, b.id));
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]> {
    const ordered = query.newestFirst ? [...this.#auditEvents].reverse() : this.#auditEvents;
    const after = query.after;
    return ordered
      .filter(
        (event) =>
          (query.since === undefined || event.time >= query.since) &&
          (query.until === undefined || event.time < query.until) &&
          (query.type === undefined ||
            event.type === query.type ||
            event.type.startsWith(`${query.type}.`)) &&
          (query.userId === undefined || event.userId === query.userId) &&
          (query.clientId === undefined || event.clientId === query.clientId) &&
          (query.outcome === undefined || event.outcome === query.outcome) &&
          (after === undefined || (query.newestFirst ? event.id < after : event.id > after)),
      )
      .slice(0, query.limit)
      .map(copy);
  }

  async deleteAuditEventsBefore(before: number): Promise<number> {
    const kept = this.#auditEvents.filter((event) => event.time >= before);
    const deleted = this.#auditEvents.length - kept.length;
    this.#auditEvents.splice(0, this.#auditEvents.length, ...kept);
    return deleted;
  }

  async ping(): Promise<void> {}

  async insertPushedRequest(request: PushedRequestRecord): Promise<void> {
    unique(this.#pushedRequests, request.hash, 'pushed request');
    if (!this.#clients.has(request.clientId)) throw new Error(`no client ${request.clientId}`);
    this.#pushedRequests.set(request.hash, { ...copy(request), consumedAt: null });
  }

  async consumePushedRequest(
    hash: string,
    clientId: string,
    now: number,
  ): Promise<Record<string, string> | null> {
    const found = this.#pushedRequests.get(hash);
    if (!found || found.clientId !== clientId || found.consumedAt !== null || found.expiresAt <= now)
      return null;
    found.consumedAt = now;
    return copy(found.parameters);
  }

  async insertDeviceAuthorization(authorization: DeviceAuthorizationRecord): Promise<void> {
    unique(this.#deviceAuthorizations, authorization.deviceCodeHash, 'device code');
    if (this.#findDeviceAuthorization(authorization.userCodeHash)) throw new Error('the user code is taken');
    if (!this.#clients.has(authorization.clientId)) throw new Error(`no client ${authorization.clientId}`);
    this.#deviceAuthorizations.set(authorization.deviceCodeHash, copy(authorization));
  }

  async findDeviceAuthorizationByUserCode(userCodeHash: string): Promise<DeviceAuthorizationRecord | null> {
    const found = this.#findDeviceAuthorization(userCodeHash);
    return found ? copy(found) : null;
  }

  async decideDeviceAuthorization(
    userCodeHash: string,
    decision: DeviceDecision,
    now: number,
  ): Promise<boolean> {
    const found = this.#findDeviceAuthorization(userCodeHash);
    if (found?.status !== 'pending' || found.expiresAt <= now) return false;
    if (!this.#users.has(decision.userId)) throw new Error(`no user ${decision.userId}`);
    found.status = decision.approved ? 'approved' : 'denied';
    found.userId = decision.userId;
    found.authTime = decision.authTime;
    found.amr = [...decision.amr];
    return true;
  }

  async pollDeviceAuthorization(
    deviceCodeHash: string,
    clientId: string,
    now: number,
  ): Promise<DevicePoll | null> {
    const found = this.#deviceAuthorizations.get(deviceCodeHash);
    if (!found || found.clientId !== clientId) return null;
    const poll = pollDeviceAuthorizationRecord(found, now);
    this.#deviceAuthorizations.set(deviceCodeHash, copy(poll.authorization));
    return copy(poll);
  }

  async listSettings(): Promise<Record<string, string>> {
    return Object.fromEntries(this.#settings);
  }

  async saveSetting(name: string, value: string | null): Promise<void> {
    if (value === null) this.#settings.delete(name);
    else this.#settings.set(name, value);
  }

  #findDeviceAuthorization(userCodeHash: string): DeviceAuthorizationRecord | undefined {
    for (const authorization of this.#deviceAuthorizations.values())
      if (authorization.userCodeHash === userCodeHash) return authorization;
    return undefined;
  }

  async insertSessionClient(record: NewSessionClient): Promise<void> {
    this.#requireClient(record.clientId);
    const key = JSON.stringify([record.sessionIdHash, record.clientId]);
    if (!this.#sessionClients.has(key))
      this.#sessionClients.set(key, { ...copy(record), nextAttemptAt: null, attempts: 0 });
  }

  async claimDueLogouts(now: number, leaseUntil: number, limit: number): Promise<SessionClientRecord[]> {
    const due = [...this.#sessionClients.values()]
      .filter((entry) => entry.nextAttemptAt !== null && entry.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt! - b.nextAttemptAt!)
      .slice(0, limit);
    for (const entry of due) {
      entry.nextAttemptAt = leaseUntil;
      entry.attempts += 1;
    }
    return due.map(copy);
  }

  async settleLogout(sessionIdHash: string, clientId: string, retryAt: number | null): Promise<void> {
    const key = JSON.stringify([sessionIdHash, clientId]);
    const entry = this.#sessionClients.get(key);
    if (entry === undefined) return;
    if (retryAt === null) this.#sessionClients.delete(key);
    else entry.nextAttemptAt = retryAt;
  }

  /** Makes the back-channel logouts of the matching live records due at once. */
  #endSessionClients(predicate: (entry: SessionClientRecord) => boolean): void {
    for (const entry of this.#sessionClients.values()) {
      if (entry.nextAttemptAt === null && predicate(entry)) entry.nextAttemptAt = 0;
    }
  }

  #findUser(predicate: (user: UserRecord) => boolean): UserRecord | undefined {
    for (const user of this.#users.values()) if (predicate(user)) return user;
    return undefined;
  }

  #grantByCodeHash(codeHash: string): GrantRecord | undefined {
    const id = this.#grantIdsByCodeHash.get(codeHash);
    return id === undefined ? undefined : this.#grants.get(id);
  }

  /** Deletes the matching grants and their refresh tokens. @returns how many records were deleted */
  #deleteGrants(predicate: (grant: GrantRecord) => boolean): number {
    let deleted = 0;
    for (const [id, grant] of this.#grants) {
      if (!predicate(grant)) continue;
      this.#grants.delete(id);
      this.#grantIdsByCodeHash.delete(grant.codeHash);
      deleted += 1 + deleteWhere(this.#refreshTokens, (token) => token.grantId === id);
    }
    return deleted;
  }

  #requireUser(id: string): void {
    if (!this.#users.has(id)) throw new Error(`no user ${id}`);
  }

  #requireClient(clientId: string): void {
    if (!this.#clients.has(clientId)) throw new Error(`no client ${clientId}`);
  }
}

/** Rejects a second record with the same key, as a SQL primary key or unique index does. */
function unique(map: Map<string, unknown>, key: string, what: string): void {
  if (map.has(key)) throw new Error(`duplicate ${what} ${key}`);
}

/** @returns how many entries were deleted */
function deleteWhere<T>(map: Map<string, T>, predicate: (value: T) => boolean): number {
  let deleted = 0;
  for (const [key, value] of map) {
    if (predicate(value)) {
      map.delete(key);
      deleted++;
    }
  }
  return deleted;
}

/** A map key for the pair; JSON keeps `("a:b", "c")` and `("a", "b:c")` apart. */
function consentKey(userId: string, clientId: string): string {
  return JSON.stringify([userId, clientId]);
}

/** Orders as SQL's binary collation does for ASCII. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function copyOrNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : copy(value);
}

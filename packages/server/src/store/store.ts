/**
 * The storage interface of the identity provider: everything a request needs lives here, so any
 * number of processes sharing one store serve as one server (ARCHITECTURE.md, principle 7).
 *
 * Conventions every implementation keeps:
 * - times are integer seconds since the epoch (the unit of JWT claims);
 * - codes, tokens, session ids and client secrets arrive already hashed (`…Hash` fields): a store
 *   never sees a raw credential;
 * - the two redemptions, {@link Store.redeemCode} and {@link Store.rotateRefreshToken}, are each one
 *   atomic conditional write: under any concurrency exactly one caller wins;
 * - methods returning a record return `null` when there is none; list fields are arrays of strings;
 * - "expired" means `expiresAt <= now`;
 * - deleting a user or a client deletes its grants, refresh tokens, sessions, consents and interactions
 *   (and a user's account links, TOTP authenticator, recovery codes, passkeys, and the interactions
 *   where they owe a second factor);
 * - ending a session — {@link Store.deleteSession}, {@link Store.deleteUserSession},
 *   {@link Store.revokeUserAccess}, {@link Store.deleteUser} — makes the back-channel logouts of the
 *   clients that signed in through it due ({@link SessionClientRecord}), in the same transaction;
 * - `listUsers` is sorted by username, `listClients` by client id;
 * - records returned by the redemptions show the values after the write.
 *
 * Implementations: `memory.ts` (tests), `sqlite.ts` (the embedded default), `postgres.ts` (many processes).
 */
export interface Store {
  /** Brings the schema up to date; safe to call on every start and from many processes. */
  migrate(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;

  insertUser(user: UserRecord): Promise<void>;
  findUserById(id: string): Promise<UserRecord | null>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  /**
   * The accounts whose email address is `email`, compared without regard to case (several
   * operator-made accounts may share one), oldest first. Case is folded by the database's `lower()`:
   * SQLite folds ASCII letters only, PostgreSQL and the memory store all letters.
   */
  findUsersByEmail(email: string): Promise<UserRecord[]>;
  listUsers(): Promise<UserRecord[]>;
  /** Whether any user is an administrator (the admin console is served only then). */
  hasAdmin(): Promise<boolean>;
  /** Replaces a user's record, keyed by its `id`. @returns whether it existed */
  updateUser(user: UserRecord): Promise<boolean>;
  /** @returns whether a user was removed */
  deleteUser(username: string): Promise<boolean>;
  /**
   * Ends every session of a user, deletes their pending interactions (a sign-in half made with the
   * old password cannot finish) and revokes every grant of theirs (so their codes, refresh tokens
   * and access tokens stop working at our endpoints), in one transaction: after a password reset.
   */
  revokeUserAccess(userId: string, now: number): Promise<void>;

  /** The TOTP authenticator of a user (at most one), enrolled or being enrolled. */
  findTotp(userId: string): Promise<TotpRecord | null>;
  /** Inserts or replaces the TOTP authenticator of `totp.userId`. */
  saveTotp(totp: TotpRecord): Promise<void>;
  /**
   * Accepts the code of time step `step` in one atomic conditional write: it wins only when the
   * user's authenticator is confirmed and no code of this step or a later one was accepted before
   * (RFC 6238 §5.2: an OTP is accepted once), across every process.
   */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Removes a user's TOTP authenticator and recovery codes. @returns whether there was an authenticator */
  deleteTotp(userId: string): Promise<boolean>;
  /** Replaces a user's recovery codes (their hashes) with new, unused ones. */
  replaceRecoveryCodes(userId: string, codeHashes: string[], now: number): Promise<void>;
  /** Uses a recovery code once, atomically. @returns whether it was there and unused */
  useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean>;
  /** How many unused recovery codes a user has left. */
  countRecoveryCodes(userId: string): Promise<number>;

  /** A user's live sessions (not expired), newest first: the account page lists them. */
  listUserSessions(userId: string, now: number): Promise<SessionRecord[]>;
  /** Ends one session of a user. @returns whether the user had it */
  deleteUserSession(userId: string, idHash: string): Promise<boolean>;
  /**
   * A user's live grants whose code was redeemed (an app holds tokens from them): not revoked, not
   * expired. Newest first.
   */
  listUserGrants(userId: string, now: number): Promise<GrantRecord[]>;
  /**
   * Revokes every grant of a user to one client and forgets the user's consent to it, in one
   * transaction: the app loses its tokens and must ask again.
   */
  revokeUserClientAccess(userId: string, clientId: string, now: number): Promise<void>;

  /** The account linked to an identity at an upstream provider ("sign in with …"). */
  findUpstreamIdentity(provider: string, subject: string): Promise<UpstreamIdentityRecord | null>;
  /** Links an upstream identity to an account. */
  insertUpstreamIdentity(identity: UpstreamIdentityRecord): Promise<void>;
  /** Records a sign-in with an upstream identity (and the address it gave). */
  touchUpstreamIdentity(provider: string, subject: string, email: string | null, now: number): Promise<void>;
  /** The upstream identities linked to a user, oldest first. */
  listUpstreamIdentities(userId: string): Promise<UpstreamIdentityRecord[]>;

  /** Stores a passkey (a WebAuthn credential) of a user. */
  insertPasskey(passkey: PasskeyRecord): Promise<void>;
  findPasskey(credentialId: string): Promise<PasskeyRecord | null>;
  /** A user's passkeys, oldest first. */
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  /**
   * Records a use of a passkey in one atomic conditional write: it wins only when the signature
   * counter grew, or when the authenticator keeps none (both 0), as WebAuthn §6.1.1 asks: a counter
   * that did not grow is the sign of a cloned authenticator.
   */
  usePasskey(credentialId: string, counter: number, now: number): Promise<boolean>;
  /** @returns whether the user had that passkey */
  deletePasskey(userId: string, credentialId: string): Promise<boolean>;

  /** Stores a single-use account link (sign-up, email verification, password reset) by its hash. */
  insertAccountToken(token: AccountTokenRecord): Promise<void>;
  findAccountToken(hash: string): Promise<AccountTokenRecord | null>;
  /**
   * Uses an account link in one atomic conditional write: it wins only when the token exists, has
   * this purpose, has not expired and was never used. Under any concurrency exactly one caller wins.
   *
   * @returns the used token (with `consumedAt` set), or `null`
   */
  consumeAccountToken(
    hash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null>;
  /** Deletes a user's links of one purpose, used or not (after a reset, the other reset links die). */
  deleteAccountTokens(userId: string, purpose: AccountTokenPurpose): Promise<void>;

  insertClient(client: ClientRecord): Promise<void>;
  findClient(clientId: string): Promise<ClientRecord | null>;
  listClients(): Promise<ClientRecord[]>;
  /** @returns whether a client was removed */
  deleteClient(clientId: string): Promise<boolean>;
  /** Replaces a client's record (RFC 7592 update), keyed by its `clientId`. @returns whether it existed */
  updateClient(client: ClientRecord): Promise<boolean>;

  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  /** All signing keys, retired ones included, oldest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Stops a key signing (it stays published). @returns whether an active key was retired */
  retireSigningKey(kid: string, now: number): Promise<boolean>;
  /** Removes a (retired) key for good. @returns whether a key was removed */
  deleteSigningKey(kid: string): Promise<boolean>;

  insertInteraction(interaction: InteractionRecord): Promise<void>;
  findInteraction(id: string): Promise<InteractionRecord | null>;
  /**
   * Records who signed in for a pending interaction, and how (`amr`); clears `pendingUserId`.
   * @returns whether the interaction exists
   */
  setInteractionLogin(
    id: string,
    login: { userId: string; authTime: number; amr: string[] },
  ): Promise<boolean>;
  /**
   * Records that `userId` passed the first factor of a pending interaction and owes a second one
   * (`null` clears it). @returns whether the interaction exists
   */
  setInteractionPendingUser(id: string, userId: string | null): Promise<boolean>;
  deleteInteraction(id: string): Promise<void>;

  insertSession(session: SessionRecord): Promise<void>;
  findSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;

  findConsent(userId: string, clientId: string): Promise<ConsentRecord | null>;
  /** Inserts or replaces the consent of `userId` to `clientId`. */
  saveConsent(consent: ConsentRecord): Promise<void>;

  /** Stores a grant with its (not yet redeemed) authorization code. */
  insertGrant(grant: GrantRecord): Promise<void>;
  findGrant(id: string): Promise<GrantRecord | null>;
  findGrantByCodeHash(codeHash: string): Promise<GrantRecord | null>;
  /**
   * Redeems an authorization code in one atomic conditional write. It wins only when the code
   * exists, is bound to this client, redirect URI and PKCE challenge (`null` = issued without one),
   * has not expired, was never redeemed, and its grant is not revoked. The winner's grant gets
   * `codeConsumedAt = now`, and nothing else changes: one row written, no index touched, because
   * this is the hot path of the token endpoint (the grant was created to outlive its first access
   * token, see {@link GrantRecord.expiresAt}).
   *
   * @returns the redeemed grant, or `null` when the redemption lost or did not match (the caller
   *   then looks the code up with {@link Store.findGrantByCodeHash} to say why)
   */
  redeemCode(redemption: CodeRedemption): Promise<GrantRecord | null>;
  /** Marks a grant revoked: its code, access tokens and refresh tokens stop working. */
  revokeGrant(id: string, now: number): Promise<void>;

  /**
   * Stores the first refresh token of a just-redeemed grant and extends the grant's `expiresAt` to
   * at least the token's, in one transaction.
   */
  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Rotates a refresh token in one atomic conditional write: it wins only when the token exists,
   * belongs to `clientId`, has not expired, was never rotated and its grant is not revoked. The
   * winner marks it rotated, stores `next`, and extends its grant's `expiresAt` to at least
   * `grantExpiresAt`, all in one transaction.
   *
   * @returns the rotated (old) token and its grant, or `null` when the rotation lost or did not match
   */
  rotateRefreshToken(
    rotation: RefreshRotation,
  ): Promise<{ previous: RefreshTokenRecord; grant: GrantRecord } | null>;

  /** Counts a failed login attempt against each key (e.g. `user:alice`, `ip:203.0.113.9`). */
  recordLoginFailure(keys: string[], now: number): Promise<void>;
  /** How many failures were counted against `key` at or after `since`. */
  countLoginFailures(key: string, since: number): Promise<number>;
  /** Forgets the failures counted against `key` (after a successful login). */
  clearLoginFailures(key: string): Promise<void>;

  /**
   * Records `key` until `expiresAt`, atomically: resolves `true` the first time, `false` while it
   * is recorded (replay detection for DPoP proofs and client assertions, across all processes).
   * A key whose record expired (`expiresAt <= now`) may be recorded again.
   */
  rememberOnce(key: string, expiresAt: number, now: number): Promise<boolean>;
  /**
   * The value named `name`, shared by every process: the first caller's `candidate` is stored and
   * returned to all (insert-if-absent, then read). For server secrets such as the DPoP nonce key.
   */
  sharedValue(name: string, candidate: string): Promise<string>;

  /**
   * Deletes what can no longer be used: expired interactions, sessions, grants (with their refresh
   * tokens), account links, `rememberOnce` records, pushed requests, device authorizations an hour
   * after they expired (until then a late poll still learns `expired_token`), the session clients
   * of expired sessions (never a back-channel logout still owed), and login failures older than
   * `loginFailuresBefore`.
   *
   * @returns how many rows were deleted
   */
  sweepExpired(now: number, loginFailuresBefore: number): Promise<number>;

  /** Appends audit events, all or none. The audit log is append-only: nothing updates an event. */
  appendAuditEvents(events: AuditEventRecord[]): Promise<void>;
  /** The audit events matching `query`, in `id` order (oldest first unless `newestFirst`). */
  listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]>;
  /**
   * Deletes the audit events older than `before` (the retention period's start).
   *
   * @returns how many were deleted
   */
  deleteAuditEventsBefore(before: number): Promise<number>;
  /** Resolves when the store answers a trivial query; rejects when it cannot (readiness checks). */
  ping(): Promise<void>;

  /** Stores a pushed authorization request (RFC 9126) until it is used or expires. */
  insertPushedRequest(request: PushedRequestRecord): Promise<void>;
  /**
   * Uses a pushed request, atomically and once: its parameters when it exists, belongs to
   * `clientId`, has not expired and was not used; else `null`.
   */
  consumePushedRequest(hash: string, clientId: string, now: number): Promise<Record<string, string> | null>;

  /** Stores a device authorization request (RFC 8628 §3.1), pending until its user decides. */
  insertDeviceAuthorization(authorization: DeviceAuthorizationRecord): Promise<void>;
  /** The device authorization a user code (its hash) names, whatever its state. */
  findDeviceAuthorizationByUserCode(userCodeHash: string): Promise<DeviceAuthorizationRecord | null>;
  /**
   * Records the user's decision on a device authorization in one atomic conditional write: it wins
   * only while the authorization is pending and not expired, so a code is decided once.
   *
   * @returns whether the decision was recorded
   */
  decideDeviceAuthorization(userCodeHash: string, decision: DeviceDecision, now: number): Promise<boolean>;
  /**
   * One poll of the token endpoint with a device code (RFC 8628 §3.4, §3.5), atomically: reads the
   * authorization of `clientId`, decides the answer with {@link pollDeviceAuthorizationRecord}
   * (`store/device-poll.ts`) and writes what it changes (the poll time, a slowed interval, the code
   * spent), in one transaction. Under any concurrency exactly one poll gets `approved`.
   *
   * @returns the answer and the authorization as it is now, or `null` when no authorization of
   *   `clientId` has that device code
   */
  pollDeviceAuthorization(deviceCodeHash: string, clientId: string, now: number): Promise<DevicePoll | null>;

  /** The settings saved by administrators (`settings/runtime-settings.ts`), by name: JSON text. */
  listSettings(): Promise<Record<string, string>>;
  /** Saves a setting for every process (`null` deletes it: the server's option applies again). */
  saveSetting(name: string, value: string | null, now: number): Promise<void>;

  /**
   * Back-channel logout: records that a client signed in through a session (a record already there
   * for the pair stays as it is). A live record is swept at its `expiresAt`; once its session ends
   * it is due, and stays until {@link Store.settleLogout} deletes it.
   */
  insertSessionClient(record: NewSessionClient): Promise<void>;
  /**
   * Claims up to `limit` due back-channel logouts (`nextAttemptAt <= now`), the longest due first,
   * in one atomic write: each gets `nextAttemptAt = leaseUntil` and one more attempt, so no other
   * caller (of any process) claims it before the lease ends. @returns the claimed records, as written
   */
  claimDueLogouts(now: number, leaseUntil: number, limit: number): Promise<SessionClientRecord[]>;
  /** After an attempt: due again at `retryAt`, or deleted (`null`: delivered, refused or given up). */
  settleLogout(sessionIdHash: string, clientId: string, retryAt: number | null): Promise<void>;
}

/**
 * A device authorization request (RFC 8628): a device without a browser asked for tokens, and its
 * user approves or denies on the verification page with the user code. Both codes are stored by hash.
 */
export interface DeviceAuthorizationRecord {
  /** SHA-256 (base64url) of the device code the device polls with. */
  deviceCodeHash: string;
  /** SHA-256 (base64url) of the user code, normalized (`device/user-code.ts`). */
  userCodeHash: string;
  clientId: string;
  /** The scopes asked for (the known ones), granted as asked when approved. */
  scopes: string[];
  /** RFC 8707 resources the tokens may be for; empty: the default audience. */
  resources: string[];
  /** `pending` until the user decides on the verification page. */
  status: 'pending' | 'approved' | 'denied';
  /** Who decided, how they had signed in: set with the decision. */
  userId: string | null;
  authTime: number | null;
  amr: string[];
  /** Seconds the device must wait between polls; 5 more after each `slow_down` (RFC 8628 §3.5). */
  interval: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
  /** When its tokens were issued: the device code is spent. */
  consumedAt: number | null;
}

/** A user's answer on the verification page (RFC 8628 §3.3). */
export interface DeviceDecision {
  approved: boolean;
  userId: string;
  authTime: number;
  amr: string[];
}

/** What a poll with a device code gets (RFC 8628 §3.5), `spent` when its tokens were issued before. */
export type DevicePollOutcome =
  | 'approved'
  | 'authorization_pending'
  | 'slow_down'
  | 'access_denied'
  | 'expired_token'
  | 'spent';

/** The result of {@link Store.pollDeviceAuthorization}. */
export interface DevicePoll {
  outcome: DevicePollOutcome;
  /** The authorization after the poll's write. */
  authorization: DeviceAuthorizationRecord;
}

/**
 * A client that signed in through a session (OpenID Connect Back-Channel Logout 1.0): kept while
 * the session lives, and due for a logout token once it ends. Only clients with a
 * `backchannel_logout_uri` are recorded. No foreign key to the user: a deleted user's clients are
 * still told.
 */
export interface SessionClientRecord {
  /** The session's {@link SessionRecord.idHash}. */
  sessionIdHash: string;
  clientId: string;
  /** The `sub` of the logout token. */
  userId: string;
  /** The `sid` of the client's ID tokens and logout token (see `logout/session-id.ts`). */
  sid: string;
  createdAt: number;
  /** While the session lives: when it expires (the record is swept then, with no logout). */
  expiresAt: number;
  /** `null` while the session lives; once it ended, when the next delivery is due (0: at once). */
  nextAttemptAt: number | null;
  /** Deliveries attempted so far. */
  attempts: number;
}

/** What {@link Store.insertSessionClient} takes: a live record. */
export type NewSessionClient = Omit<SessionClientRecord, 'nextAttemptAt' | 'attempts'>;

/** An authorization request pushed to the PAR endpoint, waiting for its `request_uri` at `/authorize`. */
export interface PushedRequestRecord {
  /** SHA-256 (base64url) of the random part of its `request_uri`. */
  hash: string;
  clientId: string;
  /** The authorization request's parameters, as pushed. */
  parameters: Record<string, string>;
  expiresAt: number;
}

/** Whether an audited action succeeded. */
export type AuditOutcome = 'success' | 'failure';

/**
 * One entry of the audit log: who did what, to which account and client, from where, when, and
 * whether it worked. Never a secret or token: `details` holds names and identifiers only.
 */
export interface AuditEventRecord {
  /** Unique, and sorts in the order the events were recorded (time first). */
  id: string;
  /** Seconds since the epoch. */
  time: number;
  /** What happened, such as `sign_in`, `token` or `admin.client.created` (see `audit/events.ts`). */
  type: string;
  outcome: AuditOutcome;
  /** The account the event is about, when there is one. */
  userId: string | null;
  /** Who acted, when not the account itself: an administrator's user id. */
  actorId: string | null;
  clientId: string | null;
  /** The client address of the request. */
  ip: string | null;
  /** Why it failed (an OAuth error code or a short name such as `wrong_password`). */
  reason: string | null;
  /** More about it: grant type, method, scope… (strings, numbers, booleans). */
  details: Record<string, string | number | boolean>;
}

/** A filter of {@link Store.listAuditEvents}; every field narrows it. */
export interface AuditQuery {
  /** Events at or after this time (seconds). */
  since?: number;
  /** Events before this time (seconds). */
  until?: number;
  /** Events of this type, or of its subtypes (`admin` matches `admin.client.created`). */
  type?: string;
  userId?: string;
  clientId?: string;
  outcome?: AuditOutcome;
  /** Events after this id in the listing order (to page through them). */
  after?: string;
  /** At most this many. */
  limit: number;
  /** Newest first (the console); oldest first otherwise (exports). */
  newestFirst?: boolean;
}

/** An end-user account. */
export interface UserRecord {
  /** Stable, opaque, never reassigned: the `sub` claim. */
  id: string;
  /** Unique login name. */
  username: string;
  /** `scrypt$…` string made by `interaction/password.ts`. */
  passwordHash: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** May sign in to the admin console. */
  admin: boolean;
  /** When an administrator disabled the account (it cannot sign in), or `null`. */
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * What an account link is for: `sign-up` creates the account it carries (nothing exists before the
 * address is proven), `verify-email` proves an existing account's address, `reset-password` sets a
 * new password.
 */
export type AccountTokenPurpose = 'sign-up' | 'verify-email' | 'reset-password';

/** A single-use link mailed to an address (stored by hash, like every credential). */
export interface AccountTokenRecord {
  /** SHA-256 (base64url) of the random value in the link. */
  hash: string;
  purpose: AccountTokenPurpose;
  /** The account; `null` for `sign-up`, whose account is created when the link is used. */
  userId: string | null;
  /** The address the link was mailed to: it proves that address, not a later one. */
  email: string;
  /** `sign-up`: the name given, if any. */
  name: string | null;
  /** `sign-up`: the scrypt hash of the password chosen. */
  passwordHash: string | null;
  /** SHA-256 of the browser cookie of whoever asked for the link: the same browser may skip re-entering the password. */
  browserBindingHash: string | null;
  /** The sign-in the link was asked from, to continue it afterwards in the same browser. */
  interactionId: string | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

/** How a client may authenticate at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** A registered client (relying party). */
export interface ClientRecord {
  clientId: string;
  /** SHA-256 (base64url) of the secret; `null` for a public client. */
  clientSecretHash: string | null;
  name: string | null;
  /** Exact URIs; loopback `http` URIs also match on any port (RFC 8252 §7.3). */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** `authorization_code`, `refresh_token`. */
  grantTypes: string[];
  /**
   * The registered method. Confidential clients may use either secret method (`basic` or `post`):
   * they are equally strong, and client libraries differ in their default.
   */
  tokenEndpointAuthMethod: ClientAuthMethod;
  /** First-party clients skip the consent page. */
  firstParty: boolean;
  /** `ES256` (default) or `RS256`. */
  idTokenSignedResponseAlg: 'ES256' | 'RS256';
  /** Issue a refresh token even when `offline_access` was not requested. */
  alwaysIssueRefreshToken: boolean;
  /** Confidential clients only: allow authorization requests without PKCE (never for public ones). */
  allowMissingPkce: boolean;
  /** The client's public keys (a JWK Set as JSON text) for `private_key_jwt`; or see `jwksUri`. */
  jwks: string | null;
  /** Where the client publishes its JWK Set, for `private_key_jwt`. */
  jwksUri: string | null;
  /** RFC 9449 §5.2: the client's access tokens must be DPoP-bound. */
  dpopBoundAccessTokens: boolean;
  /** RFC 9126 §6: the client's authorization requests must be pushed first (PAR). */
  requirePushedAuthorizationRequests: boolean;
  /**
   * OpenID Connect Core §8: `public` (the user id is the `sub` every client sees) or `pairwise`
   * (a `sub` of its own per sector, `subjects/pairwise.ts`).
   */
  subjectType: 'public' | 'pairwise';
  /**
   * The sector of a pairwise client (Core §8.1): the host of its `sector_identifier_uri`, else of
   * its redirect URIs (see `registration/sector-identifier.ts`); `null` for a public client. It
   * must not change while the client has users: every `sub` it knows derives from it.
   */
  sectorIdentifier: string | null;
  /** OpenID Connect Back-Channel Logout 1.0 §2.2: where logout tokens are posted; `null`: none. */
  backchannelLogoutUri: string | null;
  /** Its logout tokens must carry `sid` (they always do here: registered and echoed back). */
  backchannelLogoutSessionRequired: boolean;
  /** RFC 7592: SHA-256 of the registration access token; `null` unless registered dynamically. */
  registrationAccessTokenHash: string | null;
  /** Informational metadata of a dynamically registered client (`client_uri`, `logo_uri`, `contacts`, …). */
  metadata: Record<string, unknown>;
  createdAt: number;
}

/** A signing key pair. */
export interface SigningKeyRecord {
  kid: string;
  alg: 'ES256' | 'RS256';
  /** The private JWK as a JSON string (later: encrypted when a key-encryption secret is set). */
  privateJwk: string;
  /** The public JWK as a JSON string, as published in the JWKS. */
  publicJwk: string;
  createdAt: number;
  /** When the key stopped signing; `null` while it signs. */
  retiredAt: number | null;
}

/** A validated authorization request, waiting for the end-user to sign in or consent. */
export interface InteractionRecord {
  /** Random, in the URL of the login page. */
  id: string;
  clientId: string;
  /** The validated authorization request parameters, as received. */
  parameters: Record<string, string>;
  /** Must come back with every form post. */
  csrfToken: string;
  /** SHA-256 of the random value in the interaction cookie: binds the interaction to one browser. */
  browserBindingHash: string;
  /** Who signed in, once someone did. */
  userId: string | null;
  authTime: number | null;
  /** How they signed in (RFC 8176); empty until they did. */
  amr: string[];
  /** Who passed the first factor and owes a second one, while they do. */
  pendingUserId: string | null;
  createdAt: number;
  expiresAt: number;
}

/** A user's TOTP authenticator (RFC 6238: SHA-1, 6 digits, 30-second steps, as authenticator apps expect). */
export interface TotpRecord {
  userId: string;
  /** The shared secret, base32; encrypted (`enc:…`) when a key-encryption secret is configured. */
  secret: string;
  /** When the user proved the app holds the secret (a first code); `null` while enrolling. */
  confirmedAt: number | null;
  /** The time step of the last accepted code: no code of it or an earlier step is accepted again. */
  lastStep: number;
  createdAt: number;
}

/** A passkey: a WebAuthn credential of a user (public key only; the private key never leaves the authenticator). */
export interface PasskeyRecord {
  /** The credential id, base64url. */
  credentialId: string;
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at the last use (0 for those that keep none). */
  counter: number;
  /** How the browser can reach the authenticator (`internal`, `hybrid`, `usb`, …). */
  transports: string[];
  /** Synced to other devices (a passkey manager) rather than bound to one. */
  backedUp: boolean;
  /** The name the user knows it by ("MacBook", "YubiKey 5"). */
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** An identity at an upstream provider, linked to one of our accounts. */
export interface UpstreamIdentityRecord {
  /** The provider's name in our configuration (`google`, `corp-sso`). */
  provider: string;
  /** The provider's `sub` for the person: stable, unique at that provider. */
  subject: string;
  userId: string;
  /** The address the provider gave at the last sign-in, if any. */
  email: string | null;
  createdAt: number;
  lastUsedAt: number;
}

/** A signed-in browser (single sign-on across clients). */
export interface SessionRecord {
  /** SHA-256 of the session cookie's value. */
  idHash: string;
  userId: string;
  authTime: number;
  /** How the user signed in (RFC 8176 values: `pwd`, `otp`, `mfa`, …). */
  amr: string[];
  createdAt: number;
  expiresAt: number;
}

/** Scopes an end-user granted to a client, remembered so the consent page is asked once. */
export interface ConsentRecord {
  userId: string;
  clientId: string;
  /**
   * The scopes granted, and `claim:<name>` for each claim granted on its own (asked for with the
   * `claims` parameter, OpenID Connect Core §5.5, without the scope that carries it).
   */
  scopes: string[];
  updatedAt: number;
}

/** One authorization: born with its code, alive as long as its tokens. */
export interface GrantRecord {
  id: string;
  clientId: string;
  userId: string;
  /** Granted scopes. */
  scopes: string[];
  authTime: number;
  /** How the user signed in (RFC 8176), for the ID tokens of the grant. */
  amr: string[];
  nonce: string | null;
  redirectUri: string;
  codeHash: string;
  /** S256 challenge, or `null` when the request carried none. */
  codeChallenge: string | null;
  /** RFC 8707 resources the grant's access tokens may be for; empty: the default audience. */
  resources: string[];
  /** RFC 9449 §10: `dpop_jkt` of the authorization request; the code redeems only with a proof by that key. */
  dpopJkt: string | null;
  /**
   * The validated `claims` request parameter (OpenID Connect Core §5.5) as JSON text, or `null`:
   * the ID tokens of the grant (refreshes too) and UserInfo keep honouring it.
   */
  claims: string | null;
  /**
   * The `sid` claim of the grant's ID tokens: the client's name for the session the grant was made
   * in (back-channel logout); `null` for clients without a `backchannel_logout_uri`.
   */
  sid: string | null;
  codeExpiresAt: number;
  codeConsumedAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  /**
   * When the last token of this grant expires; swept after that. Set at creation to cover the
   * code and the first access token; refresh tokens extend it.
   */
  expiresAt: number;
}

/** The inputs of {@link Store.redeemCode}. */
export interface CodeRedemption {
  codeHash: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  /**
   * The thumbprint of the DPoP proof's key, if the token request carried one: a code issued with
   * `dpopJkt` redeems only with the same key; a code without one redeems with any or none.
   */
  dpopJkt: string | null;
  now: number;
}

/** A refresh token (stored by hash). */
export interface RefreshTokenRecord {
  hash: string;
  grantId: string;
  clientId: string;
  /** The scopes this token can obtain (the grant's). */
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  rotatedAt: number | null;
  /** RFC 9449 §5: a public client's refresh token is bound to its DPoP key (thumbprint). */
  dpopJkt: string | null;
  /**
   * Set when rotated: the successor sealed under this token (`tokens/successor-seal.ts`), so a
   * parallel retry within the grace period gets the same successor instead of revoking the grant.
   */
  successorSealed: string | null;
}

/** The inputs of {@link Store.rotateRefreshToken}. */
export interface RefreshRotation {
  hash: string;
  clientId: string;
  now: number;
  /** The successor; its `grantId` must be the rotated token's (the caller reads it from the result). */
  next: Omit<RefreshTokenRecord, 'grantId'>;
  /** Stored as the rotated token's `successorSealed`. */
  successorSealed: string | null;
  grantExpiresAt: number;
}

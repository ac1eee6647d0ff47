/**
 * The database schema as an ordered list of migrations, shared by the SQL stores.
 *
 * The SQL is written once for SQLite and PostgreSQL: `TEXT`, `INTEGER`, `BIGINT`, no
 * `AUTOINCREMENT`, no dialect-only syntax. Times are `BIGINT` seconds, booleans `INTEGER` 0/1 and
 * lists JSON text, so both dialects read and write the same values. A migration whose SQL cannot be
 * shared gives one text per dialect instead.
 *
 * Append new migrations at the end with the next `id`; never edit one that has shipped.
 */

/** A SQL dialect the migrations are written for. */
export type Dialect = 'sqlite' | 'postgres';

/** One step of the schema. */
export interface Migration {
  /** Applied in increasing order; recorded in `schema_migrations`. */
  id: number;
  /** What the step does, for people reading `schema_migrations`. */
  name: string;
  /** Statements separated by `;`, either shared by both dialects or one text per dialect. */
  sql: string | Record<Dialect, string>;
}

/**
 * Creates the table that records which migrations ran. Run before reading it, inside the same
 * transaction as the migrations themselves.
 */
export const createSchemaMigrationsTable = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/**
 * The first schema in `dialect`. The dialects differ in one column: keys created in the same second
 * are listed in insertion order, which SQLite's implicit `rowid` records and PostgreSQL, having no
 * `rowid`, records in the identity column `signing_keys.inserted`.
 */
function initialSchema(dialect: Dialect): string {
  const insertionOrder = dialect === 'postgres' ? ',\n  inserted BIGINT GENERATED ALWAYS AS IDENTITY' : '';
  return `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  email TEXT,
  email_verified INTEGER NOT NULL,
  name TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  client_secret_hash TEXT,
  name TEXT,
  redirect_uris TEXT NOT NULL,
  post_logout_redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  token_endpoint_auth_method TEXT NOT NULL,
  first_party INTEGER NOT NULL,
  id_token_signed_response_alg TEXT NOT NULL,
  always_issue_refresh_token INTEGER NOT NULL,
  allow_missing_pkce INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT${insertionOrder}
);

CREATE TABLE interactions (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  parameters TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  browser_binding_hash TEXT NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  auth_time BIGINT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX interactions_expires_at ON interactions (expires_at);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  auth_time BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE consents (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);

CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  nonce TEXT,
  redirect_uri TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  code_challenge TEXT,
  code_expires_at BIGINT NOT NULL,
  code_consumed_at BIGINT,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX grants_code_hash ON grants (code_hash);
CREATE INDEX grants_expires_at ON grants (expires_at);

CREATE TABLE refresh_tokens (
  hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  rotated_at BIGINT
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);

CREATE TABLE login_failures (
  key TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
`;
}

/** The migrations, oldest first. */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'initial schema',
    // Deleting a user or a client cascades to everything issued for them. The cascades scan the
    // referencing tables: acceptable for these rare administrative deletions, and cheaper than an
    // index on every foreign key that each authorization would have to maintain.
    sql: { sqlite: initialSchema('sqlite'), postgres: initialSchema('postgres') },
  },
  {
    id: 2,
    name: 'client keys and metadata, DPoP bindings, resources, replay records, shared values',
    // SQLite adds one column per ALTER TABLE. The defaults fill the rows already there (and SQLite
    // refuses a NOT NULL column without one); the stores always write every column.
    sql: `
ALTER TABLE clients ADD COLUMN jwks TEXT;
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN registration_access_token_hash TEXT;
ALTER TABLE clients ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';

ALTER TABLE grants ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE grants ADD COLUMN dpop_jkt TEXT;

ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed TEXT;

CREATE TABLE remembered_once (
  key TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX remembered_once_expires_at ON remembered_once (expires_at);

CREATE TABLE shared_values (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`,
  },
  {
    id: 3,
    name: 'account links (sign-up, email verification, password reset), users by email',
    // The expression index serves the case-insensitive look-up of sign-up and password reset.
    // No unique constraint on email: accounts made by operators may already share an address.
    sql: `
CREATE TABLE account_tokens (
  hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  name TEXT,
  password_hash TEXT,
  browser_binding_hash TEXT,
  interaction_id TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT
);
CREATE INDEX account_tokens_user_id ON account_tokens (user_id);
CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at);
CREATE INDEX users_email ON users (lower(email));
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX grants_user_id ON grants (user_id);
`,
  },
  {
    id: 4,
    name: 'second factors: TOTP authenticators, recovery codes; how users signed in (amr)',
    // Sessions and grants made before this signed in with a password: their amr says so.
    sql: `
ALTER TABLE interactions ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
ALTER TABLE interactions ADD COLUMN pending_user_id TEXT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]';
ALTER TABLE grants ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]';

CREATE TABLE totp_credentials (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret TEXT NOT NULL,
  confirmed_at BIGINT,
  last_step BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT,
  PRIMARY KEY (user_id, code_hash)
);
`,
  },
  {
    id: 5,
    name: 'passkeys (WebAuthn credentials)',
    sql: `
CREATE TABLE passkeys (
  credential_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  public_key TEXT NOT NULL,
  counter BIGINT NOT NULL,
  transports TEXT NOT NULL,
  backed_up INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);
`,
  },
  {
    id: 6,
    name: 'upstream identities (sign-in with another provider)',
    sql: `
CREATE TABLE upstream_identities (
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX upstream_identities_user_id ON upstream_identities (user_id);
`,
  },
  {
    id: 7,
    name: 'operating: administrators, disabled users, the audit log, settings',
    // The audit log is append-only: the store offers no UPDATE of it, and deletes only past retention.
    sql: `
ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  time BIGINT NOT NULL,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL,
  user_id TEXT,
  actor_id TEXT,
  client_id TEXT,
  ip TEXT,
  reason TEXT,
  details TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_user_id ON audit_events (user_id);
CREATE INDEX audit_events_client_id ON audit_events (client_id);

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
`,
  },
  {
    id: 8,
    name: 'pushed authorization requests (RFC 9126)',
    sql: `
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests INTEGER NOT NULL DEFAULT 0;

CREATE TABLE pushed_requests (
  hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  parameters TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
`,
  },
  {
    id: 9,
    name: 'device authorization grant (RFC 8628)',
    sql: `
CREATE TABLE device_authorizations (
  device_code_hash TEXT PRIMARY KEY,
  user_code_hash TEXT NOT NULL UNIQUE,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  resources TEXT NOT NULL,
  status TEXT NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  auth_time BIGINT,
  amr TEXT NOT NULL,
  poll_interval INTEGER NOT NULL,
  last_polled_at BIGINT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
CREATE INDEX device_authorizations_client_id ON device_authorizations (client_id);
CREATE INDEX device_authorizations_user_id ON device_authorizations (user_id);
`,
  },
  {
    id: 10,
    name: 'pairwise subject identifiers, the claims request parameter',
    // Clients made before this are public (their users' sub stays their id); grants carry no
    // claims request. A pairwise client's sector is computed once, at registration.
    sql: `
ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT 'public';
ALTER TABLE clients ADD COLUMN sector_identifier TEXT;

ALTER TABLE grants ADD COLUMN claims TEXT;
`,
  },
  {
    id: 11,
    name: 'back-channel logout: client logout URIs, grant sids, the clients of each session',
    // session_clients has no foreign key to sessions or users: a row outlives its session (and its
    // user) until the client was told. Due rows (next_attempt_at set) are found by their index.
    sql: `
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN sid TEXT;

CREATE TABLE session_clients (
  session_id_hash TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  sid TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  next_attempt_at BIGINT,
  attempts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (session_id_hash, client_id)
);
CREATE INDEX session_clients_user_id ON session_clients (user_id);
CREATE INDEX session_clients_expires_at ON session_clients (expires_at);
CREATE INDEX session_clients_next_attempt_at ON session_clients (next_attempt_at);
`,
  },
];

/** The SQL of `migration` in `dialect`. */
export function migrationSql(migration: Migration, dialect: Dialect): string {
  return typeof migration.sql === 'string' ? migration.sql : migration.sql[dialect];
}

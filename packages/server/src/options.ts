import { createMailer, type Mailer } from './accounts/mailer.ts';
import type { TokenExchangeOptions } from './grants/token-exchange.ts';
import { KeyEncryption } from './keys/key-encryption.ts';
import {
  type BackchannelLogoutOptions,
  type ResolvedBackchannelLogout,
  resolveBackchannelLogout,
} from './logout/backchannel-logout.ts';
import type { Tracer } from './metrics/tracing.ts';
import type { ClientIdMetadataDocumentOptions } from './registration/client-id-metadata-document.ts';
import { isLoopbackHost } from './registration/redirect-uri-policy.ts';
import type { Store } from './store/store.ts';
import {
  resolveUpstreamProviders,
  type UpstreamProvider,
  type UpstreamProviderOptions,
} from './upstream/providers.ts';

/** One structured log record (one line per request, one per internal error). */
export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

/** Receives log records; `createJsonLineLogger` in `log.ts` writes them as JSON lines. */
export type Logger = (record: LogRecord) => void;

/** Lifetimes, in seconds. */
export interface Lifetimes {
  /** Authorization codes (default 60: RFC 6749 §4.1.2 recommends at most 10 minutes, shorter is safer). */
  code: number;
  /** Access tokens (default 3600). */
  accessToken: number;
  /** ID tokens (default 3600). */
  idToken: number;
  /** Refresh tokens, renewed at each rotation (default 14 days). */
  refreshToken: number;
  /** The single sign-on session (default 14 days). */
  session: number;
  /** A pending login/consent interaction (default 10 minutes). */
  interaction: number;
  /** A sign-up or email verification link (default 1 hour; signing in again sends a new one). */
  emailVerification: number;
  /** A password reset link (default 30 minutes). */
  passwordReset: number;
  /** A pushed authorization request's `request_uri` (default 60: RFC 9126 §2.2 wants it short). */
  pushedRequest: number;
  /** A device code and its user code (default 600: long enough to find a phone and sign in). */
  deviceCode: number;
}

/** The device authorization grant (RFC 8628), for devices without a browser: CLIs, TVs, agents. */
export interface DeviceAuthorizationOptions {
  /** Seconds a device waits between polls (default 5, the RFC's default). */
  interval?: number;
}

/**
 * Self-service accounts on the built-in pages. Each flow is off unless named; flows that mail need
 * {@link AuthorizationServerOptions.mailer} on an https issuer.
 */
export interface AccountOptions {
  /**
   * "Create an account" on the login page (default false): email, password (see `passwordMinLength`)
   * and an optional name. The account is created only when the link mailed to the address is
   * used, so nobody can hold an address they cannot read, and the answer is the same whether the
   * address is known or not (no account enumeration).
   */
  signUp?: boolean;
  /** "Forgot your password?" on the login page: a reset link by mail (default false). */
  passwordReset?: boolean;
  /**
   * An account with an email address that is not verified cannot finish signing in; it is sent a
   * verification link instead. Default: true when `signUp` is on, else false (operator-made
   * accounts keep working as before).
   */
  requireVerifiedEmail?: boolean;
  /**
   * The account page at `/account` (default false): the signed-in user's profile and password,
   * their sessions and the apps holding access (each can be ended), two-step verification (with
   * `totp`), passkeys (with `passkeys`) and signing out. It signs people in through the authorization
   * endpoint with a client of its own, `codegrant-account`, created at start.
   */
  accountPage?: boolean;
  /**
   * Two-step verification with an authenticator app (TOTP, RFC 6238) and recovery codes, set up on
   * the account page (default false; turns the account page on). A user who set it up is asked for
   * a code at every sign-in, whatever this option says later.
   */
  totp?: boolean;
  /**
   * Passkeys (WebAuthn, default false; turns the account page on): added on the account page,
   * then "Sign in with a passkey" on the login page (no password: with its user verification a
   * passkey is two factors), and a passkey as the second factor after a password.
   */
  passkeys?: boolean;
  /** The fewest characters of a new password (default 12, at least 8); common passwords are refused at any length. */
  passwordMinLength?: number;
  /** Sign-up and reset requests per client IP address per throttle window (default 20). */
  maxRequestsPerIp?: number;
  /** Mails to one address per throttle window (default 3); more are not sent, and the page says the same. */
  maxMailsPerAddress?: number;
}

/** {@link AccountOptions} with the defaults filled in. */
export interface ResolvedAccountOptions {
  signUp: boolean;
  passwordReset: boolean;
  accountPage: boolean;
  totp: boolean;
  passkeys: boolean;
  requireVerifiedEmail: boolean;
  passwordMinLength: number;
  maxRequestsPerIp: number;
  maxMailsPerAddress: number;
}

/** Limits on failed sign-in attempts, counted in the store so every process sees them. */
export interface LoginThrottle {
  /** Failures per account within the window before the account is locked for the rest of it (default 5). */
  maxFailuresPerAccount: number;
  /** Failures per client IP address within the window (default 50). */
  maxFailuresPerIp: number;
  /** The window, in seconds (default 900). */
  windowSeconds: number;
}

/** Claims of an account for UserInfo, by account id (see {@link AuthorizationServerOptions.findAccountClaims}). */
export type FindAccountClaims = (accountId: string) => Promise<Record<string, unknown> | null>;

/**
 * A protected resource this server issues access tokens for (RFC 8707), keyed by its URI in
 * {@link AuthorizationServerOptions.resources}.
 */
export interface ResourcePolicy {
  /** The scopes its access tokens may carry; others are left out of them. Omitted: any scope. */
  scopes?: string[];
}

/** Who may register clients at the registration endpoint (RFC 7591). */
export type RegistrationPolicy = 'off' | 'open' | { initialAccessToken: string };

/** The scopes a server knows when its options name none. */
export const DEFAULT_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

/** The options of `createAuthorizationServer`. Only `issuer` and `store` are required. */
export interface AuthorizationServerOptions {
  /** The issuer identifier: an `https` URL without query or fragment (`http` only on loopback, for development). */
  issuer: string;
  store: Store;
  lifetimes?: Partial<Lifetimes>;
  loginThrottle?: Partial<LoginThrottle>;
  /** Scopes the server knows (default `openid profile email offline_access`); others are ignored. */
  scopes?: string[];
  /** The `aud` of access tokens (default: the issuer, whose UserInfo endpoint accepts them). */
  accessTokenAudience?: string;
  /**
   * The resources clients may ask tokens for with `resource` (RFC 8707): URI → policy. A token for
   * a resource has it as its `aud`. Unknown resources are refused (`invalid_target`); none by default.
   */
  resources?: Record<string, ResourcePolicy>;
  /**
   * A resource of `resources` that grants are for when the authorization (or client credentials)
   * request names none: its URI becomes the `aud` of their access tokens, its scope policy applies.
   * For an MCP authorization server whose clients may omit `resource`. Such tokens are not accepted
   * by UserInfo (their audience is the resource). Default: none (the audience is `accessTokenAudience`).
   */
  defaultResource?: string;
  /**
   * Seconds during which a rotated refresh token, presented again (parallel refreshes, as MCP
   * clients do), gets the same successor instead of revoking the grant. Default 0: no grace.
   */
  refreshTokenGraceSeconds?: number;
  /** Require a server-provided nonce in DPoP proofs (RFC 9449 §8). Default false. */
  dpopNonce?: boolean;
  /** Dynamic client registration (RFC 7591): `off` (default), `open`, or with an initial access token. */
  registration?: RegistrationPolicy;
  /**
   * Client ID Metadata Documents: a `client_id` that is an https URL names the client's own
   * metadata document, fetched with SSRF protection (on by default; `false` turns it off).
   */
  clientIdMetadataDocuments?: false | ClientIdMetadataDocumentOptions;
  /**
   * Bring your own login UI: when set, a browser that must sign in is sent to this URL instead of
   * the built-in page. Your page authenticates the user, calls `server.completeLogin(interactionId,
   * accountId)` and redirects the browser to the URL it returns.
   */
  loginUrl?: (interactionId: string) => string;
  /** Claims of an account for UserInfo (default: the store's users). */
  findAccountClaims?: FindAccountClaims;
  /** Trust the first address of `X-Forwarded-For` as the client's (only behind your own proxy). */
  trustProxy?: boolean;
  /**
   * Encrypt signing keys at rest with this secret (at least 16 characters; `codegrant serve` reads
   * `CODEGRANT_KEY_SECRET`). Keys created without it stay readable; encrypted ones need it.
   */
  keyEncryptionSecret?: string;
  /** Self-service account flows: sign-up, email verification, password reset. */
  accounts?: AccountOptions;
  /**
   * Providers people may sign in with ("Sign in with …"), each a button on the login page. Their
   * redirect URI is `{issuer}/upstream/callback`; see `upstream/providers.ts`.
   */
  upstreamProviders?: UpstreamProviderOptions[];
  /**
   * How account mail is sent (`createMailer`). Required for the account flows on an https issuer;
   * on a loopback http issuer (development) mail is printed to stderr without it.
   */
  mailer?: Mailer;
  /**
   * The audit log (`audit/`): sign-ins, second factors, consent, tokens issued and refused, replays,
   * revocations, registrations and console changes, kept in the store for `retentionDays` (default
   * 90; 0 keeps them forever). `false` records nothing.
   */
  audit?: false | { retentionDays?: number };
  /**
   * Prometheus metrics (`metrics/`, with prom-client): request counts and latencies by endpoint,
   * tokens by grant, refusals by error, store latency. Off by default; when on, serve
   * {@link AuthorizationServer.metrics} where only your scraper reaches it (`codegrant serve
   * --metrics-port` uses a port of its own).
   */
  metrics?: boolean;
  /**
   * The admin console at `/admin` (`admin/`), for users with the admin role (`codegrant users add
   * … --admin`). On by default, and it answers 404 until an administrator exists; `false` removes it.
   */
  adminConsole?: boolean;
  /**
   * Token exchange for delegation (RFC 8693), off unless given: clients registered for the grant
   * `urn:ietf:params:oauth:grant-type:token-exchange` exchange a user's access token for one for
   * another resource, `act` naming them; `policy` decides each exchange.
   */
  tokenExchange?: TokenExchangeOptions;
  /**
   * The device authorization grant (RFC 8628), off unless given: `/device_authorization` for
   * clients registered for `urn:ietf:params:oauth:grant-type:device_code`, and the verification
   * page `/device` where the user signs in, checks which app asks, and approves or denies.
   */
  deviceAuthorization?: DeviceAuthorizationOptions;
  /**
   * Every authorization request must be pushed to `/par` first (RFC 9126 §5), for every client;
   * a client can also require it for itself (`require_pushed_authorization_requests`). Default false.
   */
  requirePushedAuthorizationRequests?: boolean;
  /**
   * Pairwise subject identifiers (OpenID Connect Core §8.1), offered by default: a client that
   * registers `subject_type: pairwise` gets a `sub` of its own per sector for each user (see
   * `subjects/pairwise.ts`). `false` stops offering them (discovery says `public` only, and new
   * pairwise clients are refused); clients already pairwise keep their users' values.
   * `allowPrivateNetworks` lets `sector_identifier_uri` documents be fetched from loopback or
   * private addresses, and over http on a loopback host: development only.
   */
  pairwiseSubjects?: false | { allowPrivateNetworks?: boolean };
  /**
   * OpenID Connect Back-Channel Logout 1.0, on by default: clients that register a
   * `backchannel_logout_uri` get `sid` in their ID tokens and a logout token posted to that URI
   * whenever a session they signed in through ends (sign-out, the account page, the console,
   * disabling or deleting the user, a password reset or change), retried for about 17 hours.
   * `false` turns it off: discovery no longer advertises it and registration refuses the URI.
   */
  backchannelLogout?: false | BackchannelLogoutOptions;
  /**
   * OpenTelemetry tracing: a span per request, named by its route (`POST /token`), with the HTTP
   * semantic-convention attributes. Pass `trace.getTracer('codegrant')` of `@opentelemetry/api`.
   */
  tracer?: Tracer;
  /** Receives one record per request and per internal error (default: errors to stderr only). */
  logger?: Logger;
  /** The clock, in seconds since the epoch (tests move it). */
  now?: () => number;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  issuer: string;
  issuerUrl: URL;
  secureCookies: boolean;
  store: Store;
  lifetimes: Lifetimes;
  loginThrottle: LoginThrottle;
  scopes: string[];
  accessTokenAudience: string;
  resources: Map<string, ResourcePolicy>;
  defaultResource: string | undefined;
  refreshTokenGraceSeconds: number;
  dpopNonce: boolean;
  registration: RegistrationPolicy;
  clientIdMetadataDocuments: false | ClientIdMetadataDocumentOptions;
  loginUrl: ((interactionId: string) => string) | undefined;
  findAccountClaims: FindAccountClaims | undefined;
  trustProxy: boolean;
  keyEncryption: KeyEncryption | undefined;
  accounts: ResolvedAccountOptions;
  upstreamProviders: Map<string, UpstreamProvider>;
  /** Set when an account flow that mails is on. */
  mailer: Mailer | undefined;
  /** Seconds audit events are kept (`null`: forever), or `false` when the audit log is off. */
  auditRetentionSeconds: number | null | false;
  metricsEnabled: boolean;
  adminConsole: boolean;
  requirePushedAuthorizationRequests: boolean;
  backchannelLogout: false | ResolvedBackchannelLogout;
  tokenExchange: TokenExchangeOptions | undefined;
  deviceAuthorization: Required<DeviceAuthorizationOptions> | undefined;
  pairwiseSubjects: false | { allowPrivateNetworks: boolean };
  tracer: Tracer | undefined;
  logger: Logger;
  now: () => number;
}

const DEFAULT_LIFETIMES: Lifetimes = {
  code: 60,
  accessToken: 3600,
  idToken: 3600,
  refreshToken: 14 * 24 * 3600,
  session: 14 * 24 * 3600,
  interaction: 600,
  emailVerification: 3600,
  passwordReset: 1800,
  pushedRequest: 60,
  deviceCode: 600,
};

const DEFAULT_THROTTLE: LoginThrottle = {
  maxFailuresPerAccount: 5,
  maxFailuresPerIp: 50,
  windowSeconds: 900,
};

/** Logs only errors, to stderr: a library stays quiet unless asked. */
const errorsToStderr: Logger = (record) => {
  if (record.level === 'error') console.error(JSON.stringify({ time: new Date().toISOString(), ...record }));
};

/**
 * Validates the options and fills in the defaults.
 *
 * @throws {TypeError} on an unusable issuer or a non-positive lifetime
 */
export function resolveOptions(options: AuthorizationServerOptions): ResolvedOptions {
  const issuerUrl = parseIssuer(options.issuer);
  const lifetimes = { ...DEFAULT_LIFETIMES, ...options.lifetimes };
  for (const [name, seconds] of Object.entries(lifetimes)) {
    if (!Number.isInteger(seconds) || seconds <= 0) {
      throw new TypeError(`lifetimes.${name} must be a positive integer number of seconds, got ${seconds}`);
    }
  }
  const issuer = issuerUrl.href.replace(/\/$/, '');
  const resources = resolveResources(options.resources ?? {});
  const accounts = resolveAccounts(options.accounts ?? {});
  return {
    issuer,
    issuerUrl,
    secureCookies: issuerUrl.protocol === 'https:',
    store: options.store,
    lifetimes,
    loginThrottle: { ...DEFAULT_THROTTLE, ...options.loginThrottle },
    scopes: resolveScopes(options.scopes),
    accessTokenAudience: options.accessTokenAudience ?? issuer,
    resources,
    defaultResource: resolveDefaultResource(options.defaultResource, resources),
    refreshTokenGraceSeconds: options.refreshTokenGraceSeconds ?? 0,
    dpopNonce: options.dpopNonce ?? false,
    registration: options.registration ?? 'off',
    clientIdMetadataDocuments: options.clientIdMetadataDocuments ?? {},
    loginUrl: options.loginUrl,
    findAccountClaims: options.findAccountClaims,
    trustProxy: options.trustProxy ?? false,
    keyEncryption: options.keyEncryptionSecret ? new KeyEncryption(options.keyEncryptionSecret) : undefined,
    accounts,
    upstreamProviders: resolveUpstreamProviders(
      options.upstreamProviders ?? [],
      `${issuer}/upstream/callback`,
    ),
    mailer: resolveMailer(options.mailer, accounts, issuerUrl),
    auditRetentionSeconds: resolveAuditRetention(options.audit),
    metricsEnabled: options.metrics ?? false,
    adminConsole: options.adminConsole ?? true,
    requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests ?? false,
    backchannelLogout: resolveBackchannelLogout(options.backchannelLogout),
    tokenExchange: options.tokenExchange,
    deviceAuthorization: resolveDeviceAuthorization(options.deviceAuthorization),
    pairwiseSubjects:
      options.pairwiseSubjects === false
        ? false
        : { allowPrivateNetworks: options.pairwiseSubjects?.allowPrivateNetworks ?? false },
    tracer: options.tracer,
    logger: options.logger ?? errorsToStderr,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
}

function resolveDeviceAuthorization(
  options: DeviceAuthorizationOptions | undefined,
): Required<DeviceAuthorizationOptions> | undefined {
  if (options === undefined) return undefined;
  const interval = options.interval ?? 5;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new TypeError(
      `deviceAuthorization.interval must be a positive integer number of seconds, got ${interval}`,
    );
  }
  return { interval };
}

/**
 * The scopes the server knows. `claim:` is reserved: consent records keep claims granted on their
 * own (the `claims` parameter) as `claim:<name>` beside the scopes.
 */
function resolveScopes(scopes: string[] | undefined): string[] {
  const reserved = scopes?.find((scope) => scope.startsWith('claim:'));
  if (reserved !== undefined) throw new TypeError(`scopes: ${reserved} is reserved (claim:…)`);
  return scopes ?? [...DEFAULT_SCOPES];
}

function resolveAccounts(options: AccountOptions): ResolvedAccountOptions {
  const signUp = options.signUp ?? false;
  const resolved = {
    signUp,
    passwordReset: options.passwordReset ?? false,
    accountPage: (options.accountPage ?? false) || (options.totp ?? false) || (options.passkeys ?? false),
    totp: options.totp ?? false,
    passkeys: options.passkeys ?? false,
    requireVerifiedEmail: options.requireVerifiedEmail ?? signUp,
    passwordMinLength: options.passwordMinLength ?? 12,
    maxRequestsPerIp: options.maxRequestsPerIp ?? 20,
    maxMailsPerAddress: options.maxMailsPerAddress ?? 3,
  };
  // NIST SP 800-63B §3.1.1.2: never fewer than 8 characters.
  if (!Number.isInteger(resolved.passwordMinLength) || resolved.passwordMinLength < 8) {
    throw new TypeError(
      `accounts.passwordMinLength must be an integer of at least 8, got ${resolved.passwordMinLength}`,
    );
  }
  for (const name of ['maxRequestsPerIp', 'maxMailsPerAddress'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1) {
      throw new TypeError(`accounts.${name} must be a positive integer, got ${resolved[name]}`);
    }
  }
  return resolved;
}

/**
 * The mailer of the account flows. Links to accounts must not be lost silently in production: an
 * https issuer with a flow that mails needs a real mailer; development (loopback http) prints mail.
 */
function resolveMailer(
  mailer: Mailer | undefined,
  accounts: ResolvedAccountOptions,
  issuerUrl: URL,
): Mailer | undefined {
  const mails = accounts.signUp || accounts.passwordReset || accounts.requireVerifiedEmail;
  if (!mails) return mailer;
  if (mailer) return mailer;
  if (issuerUrl.protocol === 'https:') {
    throw new TypeError(
      'accounts: sign-up, password reset and email verification send mail: set the mailer option (createMailer with an SMTP URL)',
    );
  }
  return createMailer({ from: `no-reply@${issuerUrl.hostname}` });
}

function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`issuer must be an absolute URL, got "${issuer}"`);
  }
  if (url.search || url.hash) throw new TypeError('issuer must not have a query or fragment (RFC 8414 §2)');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new TypeError('issuer must use https (http is allowed only on localhost, for development)');
  }
  return url;
}

function resolveResources(resources: Record<string, ResourcePolicy>): Map<string, ResourcePolicy> {
  for (const uri of Object.keys(resources)) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new TypeError(`resources: ${uri} is not an absolute URI (RFC 8707 §2)`);
    }
    if (url.hash) throw new TypeError(`resources: ${uri} must not have a fragment (RFC 8707 §2)`);
  }
  return new Map(Object.entries(resources));
}

function resolveDefaultResource(
  uri: string | undefined,
  resources: Map<string, ResourcePolicy>,
): string | undefined {
  if (uri !== undefined && !resources.has(uri)) {
    throw new TypeError(`defaultResource: ${uri} is not one of the configured resources`);
  }
  return uri;
}

/** Audit events are kept this many days unless the options say otherwise. */
const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** @throws {TypeError} on a retention that is not a whole number of days */
function resolveAuditRetention(audit: AuthorizationServerOptions['audit']): number | null | false {
  if (audit === false) return false;
  const days = audit?.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  if (!Number.isInteger(days) || days < 0) {
    throw new TypeError(`audit.retentionDays must be a whole number of days (0: forever), got ${days}`);
  }
  return days === 0 ? null : days * 86_400;
}

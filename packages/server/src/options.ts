import { KeyEncryption } from './keys/key-encryption.ts';
import type { ClientIdMetadataDocumentOptions } from './registration/client-id-metadata-document.ts';
import { isLoopbackHost } from './registration/redirect-uri-policy.ts';
import type { Store } from './store/store.ts';

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
  return {
    issuer,
    issuerUrl,
    secureCookies: issuerUrl.protocol === 'https:',
    store: options.store,
    lifetimes,
    loginThrottle: { ...DEFAULT_THROTTLE, ...options.loginThrottle },
    scopes: options.scopes ?? [...DEFAULT_SCOPES],
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
    logger: options.logger ?? errorsToStderr,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
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

import { ensureAccountClient } from './accounts/account-sign-in.ts';
import { AuditLog, NO_AUDIT } from './audit/audit-log.ts';
import { cachedClientLookup } from './client-auth/client-cache.ts';
import { ClientKeys } from './client-auth/client-keys.ts';
import type { ServerContext } from './context.ts';
import { DpopNonces } from './dpop/nonce.ts';
import { OAuthError } from './errors.ts';
import { loadInteraction } from './interaction/interactions.ts';
import { deleteExpiredKeys } from './keys/rotation.ts';
import { type KeySet, keyFingerprint, loadSigningKeys } from './keys/signing-keys.ts';
import { BackchannelLogouts } from './logout/backchannel-logout.ts';
import { instrumentedStore } from './metrics/instrumented-store.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';
import { type AuthorizationServerOptions, resolveOptions } from './options.ts';
import { ClientIdMetadataDocuments } from './registration/client-id-metadata-document.ts';
import { type ConnectionInfo, createRouter } from './router.ts';
import { RuntimeSettings } from './settings/runtime-settings.ts';
import { Subjects } from './subjects/pairwise.ts';

export type { Mailer, MailerOptions, MailMessage } from './accounts/mailer.ts';
export { createMailer } from './accounts/mailer.ts';
export { resetSecondFactors, setUserDisabled } from './admin/user-actions.ts';
export type { AuditEvent } from './audit/audit-log.ts';
export { AUDIT_EVENT_TYPES, type AuditEventType } from './audit/events.ts';
export { usernamesOfEvents } from './audit/usernames.ts';
export { buildMetadata } from './endpoints/discovery.ts';
export { OAuthError } from './errors.ts';
export type { TokenExchangeOptions, TokenExchangeRequest } from './grants/token-exchange.ts';
export { hashPassword, verifyPassword } from './interaction/password.ts';
export { KeyEncryption } from './keys/key-encryption.ts';
export { rotateSigningKeys } from './keys/rotation.ts';
export { createJsonLineLogger } from './log.ts';
export type { BackchannelLogoutOptions } from './logout/backchannel-logout.ts';
export type { Tracer, TraceSpan } from './metrics/tracing.ts';
export type {
  AccountOptions,
  AuthorizationServerOptions,
  FindAccountClaims,
  Lifetimes,
  Logger,
  LoginThrottle,
  LogRecord,
  RegistrationPolicy,
  ResourcePolicy,
} from './options.ts';
export { DEFAULT_SCOPES } from './options.ts';
export { backchannelLogoutUriProblem } from './registration/backchannel-logout-uri.ts';
export { newClientRecord } from './registration/new-client.ts';
export { setPublicDnsServers } from './registration/public-dns.ts';
export { redirectUriProblem } from './registration/redirect-uri-policy.ts';
export {
  resolveSectorIdentifier,
  type SectorIdentifierFetchOptions,
  sectorIdentifierUriProblem,
} from './registration/sector-identifier.ts';
export type { ConnectionInfo } from './router.ts';
export { MemoryStore } from './store/memory.ts';
export type * from './store/store.ts';
export { sha256 } from './tokens/hash.ts';
export type { UpstreamProviderOptions } from './upstream/providers.ts';

/** What the app's own login page learns about a pending sign-in (see `loginUrl`). */
export interface InteractionDetails {
  id: string;
  clientId: string;
  clientName: string;
  scopes: string[];
  loginHint: string | null;
  prompt: string[];
}

/** A running identity provider. */
export interface AuthorizationServer {
  /** The Web-standard handler: give it every request under the issuer URL. */
  fetch(request: Request, connection?: ConnectionInfo): Promise<Response>;
  /** The issuer identifier, normalized (no trailing slash). */
  readonly issuer: string;
  /**
   * For an app's own login page (option `loginUrl`), served on the identity provider's origin:
   * what the pending sign-in asks for. The request must carry the browser's cookies, which bind
   * the interaction to the browser that started it.
   */
  interactionDetails(request: Request, interactionId: string): Promise<InteractionDetails>;
  /**
   * For an app's own login page: records that `accountId` (a user id of the store, or one your
   * `findAccountClaims` knows) signed in, and returns the URL to send the browser to, which
   * continues the flow (consent, then the code). The request must carry the browser's cookies.
   * `amr` says how the user signed in (RFC 8176 values such as `pwd`, `otp`, `mfa`): it goes into
   * the ID token with the `acr` it implies; without it, neither claim is sent.
   */
  completeLogin(request: Request, interactionId: string, accountId: string, amr?: string[]): Promise<string>;
  /**
   * Deletes what expired: interactions, sessions, grants and their tokens, replay records, old login
   * failures, and retired signing keys nothing valid was signed with.
   */
  sweep(): Promise<number>;
  /**
   * Sends the back-channel logout tokens that are due now and waits for the answers. The server does
   * this by itself: right after a session ends, at each retry's time, at each {@link sweep}, and
   * under `serve` every 30 s (for sessions ended by another process, or by the CLI).
   */
  deliverBackchannelLogouts(): Promise<void>;
  /** Reloads the signing keys from the store if they changed (another process rotated them). */
  reloadKeys(): Promise<void>;
  /**
   * The Prometheus text exposition of the server's metrics (option `metrics: true`), for your
   * scraper's endpoint. Keep it off the public port: it describes your traffic.
   *
   * @throws {TypeError} when the server was created without `metrics: true`
   */
  metrics(): Promise<{ contentType: string; body: string }>;
  /**
   * Begins shutdown: from now on `/readyz` answers 503, so load balancers stop sending requests
   * while the ones in flight finish. Requests are still served.
   */
  drain(): void;
  /** Writes the audit events still waiting in memory (they are written within a second anyway). */
  flushAuditLog(): Promise<void>;
  /**
   * Stops the back-channel logout timers (waiting for deliveries under way) and flushes the audit
   * log; call it after the last request and before closing the store.
   */
  close(): Promise<void>;
}

/**
 * Creates the identity provider: validates the options, loads the signing keys (creating them on
 * a store's first start) and returns the `fetch` handler with its helpers.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore('./codegrant.db');
 * const server = await createAuthorizationServer({ issuer: 'https://id.example.com', store });
 * serve(server, { port: 4000 }); // from '@codegrant/server/node'
 * ```
 */
export async function createAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const resolved = resolveOptions(options);
  let keys: KeySet = await loadSigningKeys(resolved.store, resolved.now(), resolved.keyEncryption);
  // The account page and the device verification page sign people in through the account client.
  if (resolved.accounts.accountPage || resolved.deviceAuthorization)
    await ensureAccountClient(resolved.store, resolved.issuer);
  const metrics = resolved.metricsEnabled ? new ServerMetrics() : undefined;
  // Only with metrics on is the store wrapped: off, its calls cost what they always did.
  const store = metrics ? instrumentedStore(resolved.store, metrics) : resolved.store;
  const settings = await RuntimeSettings.load(
    store,
    {
      registration: typeof resolved.registration === 'object' ? 'token' : resolved.registration,
      signUp: resolved.accounts.signUp,
    },
    resolved.logger,
  );
  const auditLog =
    resolved.auditRetentionSeconds === false ? undefined : new AuditLog(store, resolved.now, resolved.logger);
  const context: ServerContext = {
    ...resolved,
    store,
    audit: auditLog ?? NO_AUDIT,
    metrics,
    readiness: { draining: false },
    settings,
    findClient: cachedClientLookup(
      store,
      resolved.clientIdMetadataDocuments === false
        ? undefined
        : new ClientIdMetadataDocuments(store, resolved.clientIdMetadataDocuments, resolved),
      resolved.now,
    ),
    clientKeys: new ClientKeys(),
    dpopNonces: resolved.dpopNonce ? new DpopNonces(store) : undefined,
    subjects: await Subjects.load(store),
    get keys() {
      return keys;
    },
    get backchannelLogouts() {
      backchannelLogouts ??= new BackchannelLogouts(context);
      return backchannelLogouts;
    },
  };
  let backchannelLogouts: BackchannelLogouts | undefined;
  const reloadKeys = async () => {
    const records = await context.store.listSigningKeys();
    // Decrypting keys costs a key derivation each: rebuild only when the keys changed.
    if (keys.fingerprint !== keyFingerprint(records)) {
      keys = await loadSigningKeys(context.store, context.now(), context.keyEncryption);
    }
  };
  const router = createRouter(context, { reloadKeys });

  return {
    issuer: resolved.issuer,
    fetch: async (request, connection) => router.fetch(request, connection ?? {}),
    async interactionDetails(request, interactionId) {
      const interaction = await loadInteraction(context, request, interactionId, context.now());
      const client = await context.findClient(interaction.clientId);
      const { scope, login_hint: loginHint, prompt } = interaction.parameters;
      return {
        id: interaction.id,
        clientId: interaction.clientId,
        clientName: client?.name ?? interaction.clientId,
        scopes: scope ? scope.split(' ').filter((s) => context.scopes.includes(s)) : [],
        loginHint: loginHint ?? null,
        prompt: prompt ? prompt.split(' ') : [],
      };
    },
    async completeLogin(request, interactionId, accountId, amr = []) {
      const now = context.now();
      await loadInteraction(context, request, interactionId, now);
      if (
        !(await context.store.setInteractionLogin(interactionId, { userId: accountId, authTime: now, amr }))
      ) {
        throw new OAuthError('invalid_request', 'the sign-in expired before it was completed');
      }
      return `${context.issuer}/interaction/${interactionId}`;
    },
    async sweep() {
      await context.backchannelLogouts.deliverDue();
      const now = context.now();
      const longest = Math.max(context.lifetimes.accessToken, context.lifetimes.idToken);
      const retention = context.auditRetentionSeconds;
      return (
        (await context.store.sweepExpired(now, now - context.loginThrottle.windowSeconds)) +
        (await deleteExpiredKeys(context.store, now, longest)) +
        (typeof retention === 'number' ? await context.store.deleteAuditEventsBefore(now - retention) : 0)
      );
    },
    deliverBackchannelLogouts: () => context.backchannelLogouts.deliverDue(),
    reloadKeys,
    async metrics() {
      if (!metrics) throw new TypeError('metrics are off: create the server with metrics: true');
      return metrics.exposition();
    },
    drain() {
      context.readiness.draining = true;
    },
    async flushAuditLog() {
      await auditLog?.flush();
    },
    async close() {
      await context.backchannelLogouts.close();
      await auditLog?.close();
    },
  };
}

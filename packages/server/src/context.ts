import type { AuditRecorder } from './audit/audit-log.ts';
import type { ClientKeys } from './client-auth/client-keys.ts';
import type { DpopNonces } from './dpop/nonce.ts';
import type { Readiness } from './endpoints/health.ts';
import type { KeySet } from './keys/signing-keys.ts';
import type { BackchannelLogouts } from './logout/backchannel-logout.ts';
import type { ServerMetrics } from './metrics/server-metrics.ts';
import type { ResolvedOptions } from './options.ts';
import type { RuntimeSettings } from './settings/runtime-settings.ts';
import type { ClientRecord } from './store/store.ts';
import type { Subjects } from './subjects/pairwise.ts';

/**
 * What endpoints are built from: the resolved options and the signing keys. Each endpoint factory
 * takes a `Pick` of it, so its signature says what it depends on.
 */
export interface ServerContext extends ResolvedOptions {
  keys: KeySet;
  /** The store's `findClient` behind a one-second cache (`client-auth/client-cache.ts`). */
  findClient: (clientId: string) => Promise<ClientRecord | null>;
  /** Registered keys of `private_key_jwt` clients. */
  clientKeys: ClientKeys;
  /** Server-provided DPoP nonces, when `dpopNonce` is on. */
  dpopNonces: DpopNonces | undefined;
  /** Where events of the audit log go (a no-op when it is off). */
  audit: AuditRecorder;
  /** The Prometheus metrics, when `metrics` is on. */
  metrics: ServerMetrics | undefined;
  /** Whether shutdown began (readiness). */
  readiness: Readiness;
  /** What administrators may change while it runs: client registration, sign-up. */
  settings: RuntimeSettings;
  /** The `sub` each client sees of a user: the user id, or a pairwise value (OpenID Connect Core §8). */
  subjects: Subjects;
  /** Sends logout tokens when sessions end (`logout/backchannel-logout.ts`); `kick()` after ending one. */
  backchannelLogouts: BackchannelLogouts;
}

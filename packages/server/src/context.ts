import type { KeySet } from './keys/signing-keys.ts';
import type { ResolvedOptions } from './options.ts';

/**
 * What endpoints are built from: the resolved options and the signing keys. Each endpoint factory
 * takes a `Pick` of it, so its signature says what it depends on.
 */
export interface ServerContext extends ResolvedOptions {
  keys: KeySet;
}

import { type Client, DPoP, type DPoPHandle } from '@codegrant/client';
import { dpopKeyPair } from './dpop-key.ts';

/**
 * Where the DPoP key of an app comes from (the `dpop.store` setting): {@link IndexedDbDPoPStore},
 * or your own (a key from a native bridge, a test key).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export interface DPoPStore {
  /** The DPoP handle of the app `name` (authority and client id), its key created on first use. */
  handle(client: Client, name: string): Promise<DPoPHandle>;
}

/**
 * DPoP with an ECDSA P-256 key whose private half is non-extractable, kept in IndexedDB and shared
 * by the tabs of the origin. Opt in with `dpop: { store: new IndexedDbDPoPStore() }` (as in
 * oidc-client-ts): apps without it do not bundle the JWT signing code.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-2
 */
export class IndexedDbDPoPStore implements DPoPStore {
  async handle(client: Client, name: string): Promise<DPoPHandle> {
    return DPoP(client, await dpopKeyPair(name));
  }
}

import { createHmac } from 'node:crypto';
import type { ClientRecord, Store } from '../store/store.ts';
import { randomValue } from '../tokens/random.ts';

/** The name of the pairwise key among the store's shared values. */
const KEY_NAME = 'pairwise-subject-key';

/**
 * The `sub` each client sees of a user (OpenID Connect Core §8).
 *
 * A public client sees the user's id, the same for every client. A pairwise client sees
 * `BASE64URL(HMAC-SHA-256(key, sector ‖ 0x00 ‖ user id))`: 43 characters, the same for every
 * client of one sector (its `sectorIdentifier`) and unrelated across sectors, so two sectors
 * cannot tell they share a user (§8.1). The key is a random 256-bit secret kept in the store
 * (`sharedValue`), so every process computes the same values; losing it changes every pairwise
 * `sub`, so it is kept with the data it protects, and backed up with it.
 *
 * Pairwise values are used wherever the client meets the user: ID tokens, UserInfo, introspection,
 * the `sub` of the client's JWT access tokens (as oidc-provider does: a resource server sees what
 * its client sees), and `id_token_hint` at logout. The server itself keeps using the user id: each
 * access token names its grant (`gid`), and the grant the user.
 */
export class Subjects {
  readonly #key: string;

  private constructor(key: string) {
    this.#key = key;
  }

  /** Reads (or, on a store's first start, creates) the shared key. */
  static async load(store: Store): Promise<Subjects> {
    return new Subjects(await store.sharedValue(KEY_NAME, randomValue(32)));
  }

  /**
   * The `sub` of user `userId` for `client`. A public client (the default) costs one comparison.
   * A pairwise client without a sector (a record made by hand) is a sector of its own, its client id.
   */
  of(client: Pick<ClientRecord, 'clientId' | 'subjectType' | 'sectorIdentifier'>, userId: string): string {
    if (client.subjectType !== 'pairwise') return userId;
    const sector = client.sectorIdentifier ?? `client_id:${client.clientId}`;
    return createHmac('sha256', this.#key).update(`${sector}\0${userId}`).digest('base64url');
  }
}

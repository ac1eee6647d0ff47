import { DPoP } from '../dpop.ts';
import type { DPoPHandle } from '../http.ts';
import { type Configuration, stateOf } from './configuration.ts';

/**
 * A DPoP handle for this configuration's client: pass it as `options.DPoP` to the grants and
 * resource calls to bind the tokens to `keyPair` (see {@link randomDPoPKeyPair}).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export function getDPoPHandle(config: Configuration, keyPair: CryptoKeyPair): DPoPHandle {
  return DPoP(stateOf(config).client, keyPair);
}

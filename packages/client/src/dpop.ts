import { randomToken } from '@codegrant/protocol';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { DPoPHandle } from './http.ts';
import { digest } from './jwt.ts';
import { jwsAlgorithm } from './keys.ts';
import { clockSkew, dpopNonce, dpopProof } from './symbols.ts';
import type { Client } from './types.ts';

export type { DPoPHandle };

/**
 * A DPoP handle for a key pair: every request given it carries a fresh proof (`htm`, `htu`, `iat`,
 * `jti`, `ath` with an access token, the server's latest `DPoP-Nonce` per origin), signed with the
 * private key, the public JWK in its header.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export function DPoP(client: Pick<Client, typeof clockSkew>, keyPair: CryptoKeyPair): DPoPHandle {
  const alg = jwsAlgorithm(keyPair.privateKey);
  let jwk: Promise<JWK> | undefined;
  const publicJwk = () =>
    (jwk ??= exportJWK(keyPair.publicKey).then(({ kty, crv, x, y, e, n }) => ({ kty, crv, x, y, e, n })));
  const nonces = new Map<string, string>();
  return {
    async calculateThumbprint() {
      return calculateJwkThumbprint(await publicJwk());
    },
    async [dpopProof](method, url, accessToken) {
      return new SignJWT({
        htm: method,
        htu: url.origin + url.pathname,
        jti: randomToken(),
        nonce: nonces.get(url.origin),
        ath: accessToken && (await digest(accessToken)),
      })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: await publicJwk() })
        .setIssuedAt(Math.floor(Date.now() / 1000) + (client[clockSkew] ?? 0))
        .sign(keyPair.privateKey);
    },
    [dpopNonce](url, response) {
      const nonce = response.headers.get('dpop-nonce');
      if (nonce) nonces.set(url.origin, nonce);
    },
  };
}

/**
 * A new key pair for DPoP (default ES256); the private key is not extractable unless asked.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-2
 */
export function randomDPoPKeyPair(
  alg = 'ES256',
  options?: { extractable?: boolean },
): Promise<CryptoKeyPair> {
  return generateKeyPair(alg, { extractable: options?.extractable });
}

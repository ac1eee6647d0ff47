/**
 * A private key with the `kid` to put in the JWS header.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-4.1.4
 */
export interface PrivateKey {
  key: CryptoKey;
  kid?: string;
}

const CURVES: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/** @internal The JWS `alg` that signs with a WebCrypto key (RFC 7518 §3.1, RFC 8037). */
export function jwsAlgorithm(key: CryptoKey): string {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const bits = algorithm.hash?.name.slice(4);
  switch (algorithm.name) {
    case 'ECDSA':
      return CURVES[algorithm.namedCurve!] ?? unsupported(algorithm.name);
    case 'RSASSA-PKCS1-v1_5':
      return `RS${bits}`;
    case 'RSA-PSS':
      return `PS${bits}`;
    case 'Ed25519':
      return 'Ed25519';
    default:
      return unsupported(algorithm.name);
  }
}

function unsupported(name: string): never {
  throw new TypeError(`unsupported signing key algorithm ${name}`);
}

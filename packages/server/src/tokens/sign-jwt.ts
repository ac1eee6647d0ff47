import { sign } from 'node:crypto';
import type { SigningKey } from '../keys/signing-keys.ts';

/**
 * Signs a JWT (JWS compact serialization, RFC 7515 §7.1) with one of our own keys.
 *
 * Why `node:crypto` and not `jose` here: signing is the hot path of every token response, and
 * `crypto.sign` with a callback runs the signature on libuv's thread pool with less overhead than
 * WebCrypto (measured in `npm run bench`). Off the main thread, the event loop keeps parsing,
 * storing and answering other requests while signatures are computed on the other cores.
 * Everything the server *receives* is still parsed and verified with `jose`, and the tests verify
 * what this function produces with `jose`.
 */
export async function signJwt(
  key: SigningKey,
  typ: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const header = base64urlJson({ alg: key.alg, typ, kid: key.kid });
  const signingInput = `${header}.${base64urlJson(payload)}`;
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', Buffer.from(signingInput), key.signWith, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

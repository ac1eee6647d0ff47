import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { verifyDpopProof } from '../src/dpop/verify-proof.ts';
import type { OAuthError } from '../src/errors.ts';

const URL_ = 'https://id.example.com/token';
const now = 1_800_000_000;

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const publicJwk = await exportJWK(publicKey);

/** A proof, valid unless the overrides break it. */
function proof(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key: CryptoKey = privateKey,
): Promise<string> {
  return new SignJWT({ htm: 'POST', htu: URL_, iat: now, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk as JWK, ...header })
    .sign(key);
}

const fails =
  (pattern: RegExp, code = 'invalid_dpop_proof') =>
  (error: OAuthError) =>
    error.error === code && pattern.test(error.message);

describe('DPoP proof verification (RFC 9449 §4.3)', () => {
  it('accepts a valid proof and returns the key thumbprint', async () => {
    const verified = await verifyDpopProof(await proof(), { method: 'POST', url: URL_, now });
    assert.equal(verified.jkt, await calculateJwkThumbprint(publicJwk));
  });

  it('ignores the query and fragment of the request URL', async () => {
    await verifyDpopProof(await proof(), { method: 'POST', url: `${URL_}?a=1#x`, now });
  });

  it('refuses a wrong typ, a symmetric or missing jwk, a private jwk', async () => {
    await assert.rejects(
      verifyDpopProof(await proof({}, { typ: 'JWT' }), { method: 'POST', url: URL_, now }),
      fails(/typ/),
    );
    const withPrivate = await exportJWK(privateKey);
    await assert.rejects(
      verifyDpopProof(await proof({}, { jwk: withPrivate }), { method: 'POST', url: URL_, now }),
      fails(/./),
    );
    const hs = await new SignJWT({ htm: 'POST', htu: URL_, iat: now, jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt' })
      .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
    await assert.rejects(verifyDpopProof(hs, { method: 'POST', url: URL_, now }), fails(/./));
  });

  it('refuses a signature by another key than the jwk header', async () => {
    const other = await generateKeyPair('ES256');
    await assert.rejects(
      verifyDpopProof(await proof({}, {}, other.privateKey), { method: 'POST', url: URL_, now }),
      fails(/signature/),
    );
  });

  it('refuses a wrong htm or htu, a missing jti, an iat out of the window', async () => {
    const expect = { method: 'POST', url: URL_, now };
    await assert.rejects(verifyDpopProof(await proof({ htm: 'GET' }), expect), fails(/htm/));
    await assert.rejects(
      verifyDpopProof(await proof({ htu: 'https://id.example.com/other' }), expect),
      fails(/htu/),
    );
    await assert.rejects(verifyDpopProof(await proof({ jti: undefined }), expect), fails(/jti/));
    await assert.rejects(verifyDpopProof(await proof({ iat: now - 120 }), expect), fails(/iat/));
    await assert.rejects(verifyDpopProof(await proof({ iat: now + 120 }), expect), fails(/iat/));
  });

  it('checks ath against the access token at resources, with the resource error code', async () => {
    const token = 'an-access-token';
    const ath = createHash('sha256').update(token).digest('base64url');
    const expect = {
      method: 'POST',
      url: URL_,
      now,
      accessToken: token,
      errorCode: 'invalid_token' as const,
    };
    await verifyDpopProof(await proof({ ath }), expect);
    await assert.rejects(
      verifyDpopProof(await proof({ ath: 'wrong' }), expect),
      fails(/ath/, 'invalid_token'),
    );
    await assert.rejects(verifyDpopProof(await proof(), expect), fails(/ath/, 'invalid_token'));
  });

  it('answers use_dpop_nonce when the required nonce is missing or stale', async () => {
    const expect = { method: 'POST', url: URL_, now, nonces: ['n-2'] };
    await verifyDpopProof(await proof({ nonce: 'n-2' }), expect);
    await assert.rejects(verifyDpopProof(await proof(), expect), fails(/nonce/, 'use_dpop_nonce'));
    await assert.rejects(
      verifyDpopProof(await proof({ nonce: 'n-1' }), expect),
      fails(/nonce/, 'use_dpop_nonce'),
    );
  });
});

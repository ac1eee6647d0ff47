import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  ClientError,
  getValidatedIdTokenClaims,
  processAuthorizationCodeResponse,
  validateJwtAccessToken,
} from '../src/index.ts';
import { CLIENT_ID, type FakeIssuer, now, startFakeIssuer } from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

const isClientError = (code: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ClientError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  return true;
};

describe('JWS signatures, verified by jose', () => {
  let op: FakeIssuer;
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());

  /** Publishes a fresh key for `alg` (kid `alg`) and returns a signer of ID tokens with it. */
  const publish = async (alg: string, options?: Parameters<typeof generateKeyPair>[1]) => {
    const keys = await generateKeyPair(alg, options);
    op.jwks.push({ ...(await exportJWK(keys.publicKey)), kid: alg, alg, use: 'sig' });
    return keys;
  };
  const validate = (idToken: string, algs: string[]) =>
    processAuthorizationCodeResponse(
      { ...op.as, id_token_signing_alg_values_supported: algs },
      op.client,
      json({ access_token: 'at', token_type: 'bearer', id_token: idToken }),
      op.http,
    );

  for (const [alg, options] of [
    ['PS256'],
    ['RS384'],
    ['PS512'],
    ['ES384'],
    ['ES512'],
    ['EdDSA', { crv: 'Ed25519' }],
    ['Ed25519'],
  ] as Array<[string, Parameters<typeof generateKeyPair>[1]?]>) {
    it(`accepts ${alg} by the issuer's key and refuses ${alg} by another`, async () => {
      const keys = await publish(alg, options);
      const other = await generateKeyPair(alg, options);
      const good = await op.idToken({}, { alg, kid: alg }, keys.privateKey);
      assert.equal(getValidatedIdTokenClaims(await validate(good, [alg]))!.aud, CLIENT_ID);
      const forged = await op.idToken({}, { alg, kid: alg }, other.privateKey);
      await assert.rejects(
        validate(forged, [alg]),
        isClientError('ERR_JWT_SIGNATURE', /ID token: signature verification failed/),
      );
    });
  }

  it('refuses RSA keys shorter than 2048 bits', async () => {
    const keys = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    op.jwks.push({ ...(await exportJWK(keys.publicKey)), kid: 'rsa-1024' });
    // jose refuses to sign with such a key: signed by hand.
    const input = `${base64url.encode(JSON.stringify({ alg: 'RS256', kid: 'rsa-1024' }))}.${base64url.encode(
      JSON.stringify({ iss: op.issuer, sub: 'alice', aud: CLIENT_ID, iat: now(), exp: now() + 60 }),
    )}`;
    const signature = await crypto.subtle.sign(
      'RSASSA-PKCS1-v1_5',
      keys.privateKey,
      new TextEncoder().encode(input),
    );
    await assert.rejects(
      validate(`${input}.${base64url.encode(new Uint8Array(signature))}`, ['RS256']),
      isClientError('ERR_JWT_INVALID', /shorter than 2048 bits/),
    );
  });

  it('refuses a signature that is not base64url, and a crit header', async () => {
    const token = await op.idToken();
    await assert.rejects(
      validate(`${token.slice(0, token.lastIndexOf('.'))}.a+b/`, ['ES256']),
      isClientError('ERR_JWT_INVALID', /the signature is not base64url/),
    );
    // jose refuses to sign an extension it does not know: signed by hand.
    const input = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'ec-1', crit: ['exp-ext'], 'exp-ext': 1 }))}.${base64url.encode(JSON.stringify({ sub: 'alice' }))}`;
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      op.keys.ec.privateKey,
      new TextEncoder().encode(input),
    );
    const critical = `${input}.${base64url.encode(new Uint8Array(signature))}`;
    await assert.rejects(
      validate(critical, ['ES256']),
      isClientError('ERR_JWT_INVALID', /crit \["exp-ext"\] is not understood/),
    );
  });

  it('reads a UTF-8 payload', async () => {
    const token = await op.idToken({ name: 'Zoë Ñandú 名前' });
    assert.equal(getValidatedIdTokenClaims(await validate(token, ['ES256']))!.name, 'Zoë Ñandú 名前');
  });

  it('imports each key of the issuer once, not at every token', async () => {
    const importKey = mock.method(crypto.subtle, 'importKey');
    try {
      const as = { ...op.as }; // a fresh JWKS cache
      for (let i = 0; i < 3; i++) {
        await processAuthorizationCodeResponse(
          as,
          op.client,
          json({ access_token: 'at', token_type: 'bearer', id_token: await op.idToken() }),
          op.http,
        );
      }
      assert.equal(importKey.mock.callCount(), 1);
    } finally {
      importKey.mock.restore();
    }
  });

  it('refuses a DPoP proof whose jwk is made for another use', async () => {
    const dpop = await generateKeyPair('ES256');
    const jwk: JWK = { ...(await exportJWK(dpop.publicKey)), use: 'enc' };
    const accessToken = await new SignJWT({
      iss: op.issuer,
      sub: 'alice',
      aud: 'https://api.example',
      client_id: CLIENT_ID,
      jti: crypto.randomUUID(),
      cnf: { jkt: 'irrelevant' },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', typ: 'at+jwt' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(op.keys.ec.privateKey);
    const ath = base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))),
    );
    const proof = await new SignJWT({
      htm: 'GET',
      htu: 'https://api.example/things',
      jti: crypto.randomUUID(),
      ath,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .setIssuedAt()
      .sign(dpop.privateKey);
    const request = new Request('https://api.example/things', {
      headers: { authorization: `DPoP ${accessToken}`, dpop: proof },
    });
    await assert.rejects(
      validateJwtAccessToken(op.as, request, 'https://api.example', op.http),
      isClientError('ERR_DPOP_PROOF', /the key is for enc/),
    );
  });
});

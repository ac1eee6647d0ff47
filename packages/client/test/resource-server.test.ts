import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { allowHttp, ClientError, customFetch, validateJwtAccessToken } from '../src/index.ts';
import { type FakeIssuer, now, startFakeIssuer } from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

const API = 'https://api.example';
const URL_ = `${API}/things?page=2`;

describe('validateJwtAccessToken (RFC 9068, RFC 6750, RFC 9449)', () => {
  let op: FakeIssuer;
  let dpopKeys: CryptoKeyPair;
  let jkt: string;
  before(async () => {
    op = await startFakeIssuer();
    dpopKeys = await generateKeyPair('ES256');
    jkt = await calculateJwkThumbprint(await exportJWK(dpopKeys.publicKey));
  });
  after(() => op.close());

  const accessToken = (
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key?: CryptoKey,
  ) => {
    const payload: Record<string, unknown> = {
      iss: op.issuer,
      sub: 'alice',
      aud: API,
      client_id: 'client-1',
      jti: crypto.randomUUID(),
      iat: now(),
      exp: now() + 300,
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', typ: 'at+jwt', ...header } as { alg: string })
      .sign(key ?? op.keys.ec.privateKey);
  };
  const ath = async (token: string) =>
    Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString('base64url');
  const proof = async (
    token: string,
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    keys = dpopKeys,
  ) =>
    new SignJWT({
      htm: 'GET',
      htu: `${API}/things`,
      jti: crypto.randomUUID(),
      iat: now(),
      ath: await ath(token),
      ...claims,
    })
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'dpop+jwt',
        jwk: await exportJWK(keys.publicKey),
        ...header,
      } as { alg: string })
      .sign(keys.privateKey);
  const request = (headers: Record<string, string>, method = 'GET') => new Request(URL_, { method, headers });
  const validate = (req: Request, options = {}) =>
    validateJwtAccessToken(op.as, req, API, { ...op.http, ...options });

  /** Expects a ClientError with code, status, OAuth error and a challenge matching `challenge`. */
  const refused =
    (code: string, status: number, error: string | undefined, challenge: RegExp, message?: RegExp) =>
    (err: unknown) => {
      assert.ok(err instanceof ClientError, String(err));
      assert.equal(err.code, code, err.message);
      assert.equal(err.status, status);
      assert.equal(err.error, error);
      assert.match(err.wwwAuthenticate!, challenge);
      if (message) assert.match(err.message, message);
      return true;
    };

  it('accepts a valid bearer JWT access token and returns its claims', async () => {
    const claims = await validate(
      request({ authorization: `Bearer ${await accessToken({ scope: 'read' })}` }),
    );
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.scope, 'read');
  });

  it('accepts typ application/at+jwt and an audience array', async () => {
    const token = await accessToken({ aud: ['other', API] }, { typ: 'application/at+jwt' });
    assert.equal((await validate(request({ authorization: `bearer ${token}` }))).sub, 'alice');
  });

  it('answers a request without a token with a bare challenge (no error code, RFC 6750 §3.1)', async () => {
    await assert.rejects(
      validate(request({})),
      refused('ERR_TOKEN_MISSING', 401, undefined, /^Bearer, DPoP algs="ES256 /),
    );
  });

  it('answers a malformed Authorization header with 400 invalid_request', async () => {
    await assert.rejects(
      validate(request({ authorization: 'Basic abc' })),
      refused('ERR_AUTHORIZATION_HEADER', 400, 'invalid_request', /^Bearer error="invalid_request"/),
    );
    await assert.rejects(
      validate(request({ authorization: 'Bearer' })),
      refused('ERR_AUTHORIZATION_HEADER', 400, 'invalid_request', /invalid_request/),
    );
  });

  it('refuses a token whose typ is not at+jwt (e.g. an ID token)', async () => {
    const token = await accessToken({}, { typ: 'JWT' });
    await assert.rejects(
      validate(request({ authorization: `Bearer ${token}` })),
      refused(
        'ERR_JWT_CLAIM',
        401,
        'invalid_token',
        /^Bearer error="invalid_token", error_description="access token typ: expected 'at\+jwt', got 'JWT'"$/,
      ),
    );
  });

  it('refuses a bad signature and an unknown key', async () => {
    const forged = await accessToken({}, {}, op.keys.rogue.privateKey);
    await assert.rejects(
      validate(request({ authorization: `Bearer ${forged}` })),
      refused('ERR_JWT_SIGNATURE', 401, 'invalid_token', /invalid_token/),
    );
    const unknown = await accessToken({}, { kid: 'unknown' });
    await assert.rejects(
      validate(request({ authorization: `Bearer ${unknown}` })),
      refused('ERR_JWKS', 401, 'invalid_token', /no key of the issuer/),
    );
  });

  it('refuses alg none and symmetric algs', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode({ iss: op.issuer })}.`;
    await assert.rejects(
      validate(request({ authorization: `Bearer ${none}` })),
      refused('ERR_JWT_ALG', 401, 'invalid_token', /alg/),
    );
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new Uint8Array(32));
    await assert.rejects(
      validate(request({ authorization: `Bearer ${hs}` })),
      refused('ERR_JWT_ALG', 401, 'invalid_token', /HS256/),
    );
  });

  it('refuses another issuer, another audience, an expired token', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ iss: 'https://evil.example' }, 'ERR_JWT_CLAIM', /access token iss: expected/],
      [
        { aud: 'https://other-api.example' },
        'ERR_JWT_CLAIM',
        /access token aud: expected "https:\/\/api\.example"/,
      ],
      [{ exp: now() - 120 }, 'ERR_JWT_EXPIRED', /access token expired/],
      [{ nbf: now() + 120 }, 'ERR_JWT_TIME', /nbf/],
      [{ client_id: undefined }, 'ERR_JWT_CLAIM', /client_id: expected a string/],
      [{ jti: undefined }, 'ERR_JWT_CLAIM', /jti/],
      [{ sub: undefined }, 'ERR_JWT_CLAIM', /sub/],
    ];
    for (const [claims, code, message] of cases) {
      const token = await accessToken(claims);
      await assert.rejects(
        validate(request({ authorization: `Bearer ${token}` })),
        refused(code, 401, 'invalid_token', /^Bearer error="invalid_token"/, message),
      );
    }
  });

  it('accepts a DPoP-bound token with a valid proof', async () => {
    const token = await accessToken({ cnf: { jkt } });
    const claims = await validate(request({ authorization: `DPoP ${token}`, dpop: await proof(token) }));
    assert.deepEqual(claims.cnf, { jkt });
  });

  it('refuses a DPoP-bound token presented as a bearer token', async () => {
    const token = await accessToken({ cnf: { jkt } });
    await assert.rejects(
      validate(request({ authorization: `Bearer ${token}` })),
      refused(
        'ERR_DPOP_BINDING',
        401,
        'invalid_token',
        /^Bearer error="invalid_token".*presented as a bearer token/,
      ),
    );
  });

  it('refuses the DPoP scheme for a token that is not DPoP-bound', async () => {
    const token = await accessToken();
    await assert.rejects(
      validate(request({ authorization: `DPoP ${token}`, dpop: await proof(token) })),
      refused('ERR_DPOP_BINDING', 401, 'invalid_token', /^DPoP error="invalid_token".*no cnf\.jkt.*algs="/),
    );
  });

  it('refuses a proof by another key than cnf.jkt', async () => {
    const token = await accessToken({ cnf: { jkt } });
    const other = await generateKeyPair('ES256');
    await assert.rejects(
      validate(request({ authorization: `DPoP ${token}`, dpop: await proof(token, {}, {}, other) })),
      refused('ERR_DPOP_BINDING', 401, 'invalid_token', /^DPoP error="invalid_token"/, /cnf\.jkt/),
    );
  });

  it('refuses invalid proofs with invalid_dpop_proof', async () => {
    const token = await accessToken({ cnf: { jkt } });
    const cases: Array<[() => Promise<Record<string, string>>, RegExp, string?]> = [
      [async () => ({}), /exactly one DPoP header/],
      [async () => ({ dpop: `${await proof(token)}, ${await proof(token)}` }), /exactly one DPoP header/],
      [
        async () => ({ dpop: await proof(token, { htm: 'POST' }) }),
        /DPoP proof htm: expected "GET", got "POST"/,
      ],
      [async () => ({ dpop: await proof(token, { htu: 'https://api.example/other' }) }), /DPoP proof htu/],
      [async () => ({ dpop: await proof(token, { ath: 'wrong' }) }), /DPoP proof ath/],
      [async () => ({ dpop: await proof(token, { iat: now() - 3600 }) }), /DPoP proof iat \d+ is too old/],
      [
        async () => ({ dpop: await proof(token, { iat: now() + 3600 }) }),
        /DPoP proof iat \d+ is in the future/,
      ],
      [async () => ({ dpop: await proof(token, { jti: undefined }) }), /DPoP proof jti/],
      [async () => ({ dpop: await proof(token, {}, { typ: 'JWT' }) }), /DPoP proof typ/],
      [async () => ({ dpop: await proof(token, {}, { jwk: undefined }) }), /the header has no jwk/],
      [async () => ({ dpop: `${(await proof(token)).slice(0, -4)}AAAA` }), /signature/],
    ];
    for (const [headers, message] of cases) {
      await assert.rejects(
        validate(request({ authorization: `DPoP ${token}`, ...(await headers()) })),
        refused(
          'ERR_DPOP_PROOF',
          401,
          'invalid_dpop_proof',
          /^DPoP error="invalid_dpop_proof", error_description=".*", algs="/,
          message,
        ),
        String(message),
      );
    }
  });

  it('refuses a proof whose embedded jwk is a private key', async () => {
    const token = await accessToken({ cnf: { jkt } });
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const withPrivate = await proof(token, {}, { jwk: privateJwk });
    await assert.rejects(
      validate(request({ authorization: `DPoP ${token}`, dpop: withPrivate })),
      refused('ERR_DPOP_PROOF', 401, 'invalid_dpop_proof', /DPoP/),
    );
  });

  it('with requireDPoP, refuses bearer tokens and challenges with DPoP only', async () => {
    const token = await accessToken();
    await assert.rejects(
      validate(request({ authorization: `Bearer ${token}` }), { requireDPoP: true }),
      refused('ERR_DPOP_BINDING', 401, 'invalid_token', /^DPoP error="invalid_token"/),
    );
    await assert.rejects(
      validate(request({}), { requireDPoP: true }),
      refused('ERR_TOKEN_MISSING', 401, undefined, /^DPoP algs="/),
    );
  });

  it('lets JWKS trouble through without a challenge (the API answers 5xx)', async () => {
    const token = await accessToken();
    const as = { ...op.as };
    const err = await validateJwtAccessToken(as, request({ authorization: `Bearer ${token}` }), API, {
      [allowHttp]: true,
      [customFetch]: async () => new Response('down', { status: 503 }),
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ClientError);
    assert.equal(err.code, 'ERR_UNEXPECTED_STATUS');
    assert.equal(err.wwwAuthenticate, undefined);
    const broken = await validateJwtAccessToken(
      { ...op.as },
      request({ authorization: `Bearer ${token}` }),
      API,
      {
        [allowHttp]: true,
        [customFetch]: async () => json({ keys: 'no' }),
      },
    ).catch((e: unknown) => e);
    assert.equal((broken as ClientError).code, 'ERR_JWKS_UNAVAILABLE');
  });
});

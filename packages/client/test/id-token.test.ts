import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import { CompactSign, exportJWK, SignJWT } from 'jose';
import {
  type Client,
  ClientError,
  clockSkew,
  clockTolerance,
  getValidatedIdTokenClaims,
  type ProcessTokenResponseOptions,
  processAuthorizationCodeResponse,
  processRefreshTokenResponse,
} from '../src/index.ts';
import { CLIENT_ID, CLIENT_SECRET, type FakeIssuer, now, startFakeIssuer } from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

const isClientError = (code: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ClientError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  return true;
};

/** at_hash of an access token for ES256/RS256 (SHA-256, left half, base64url). */
async function atHash(accessToken: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
  return Buffer.from(digest.slice(0, 16)).toString('base64url');
}

describe('ID token validation (OIDC Core §3.1.3.7)', () => {
  let op: FakeIssuer;
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());

  /** Processes a token response carrying `idToken`, as the code grant does. */
  const validate = (idToken: string, options: ProcessTokenResponseOptions = {}, client: Client = op.client) =>
    processAuthorizationCodeResponse(
      op.as,
      client,
      json({ access_token: 'at-1', token_type: 'Bearer', id_token: idToken }),
      {
        ...op.http,
        ...options,
      },
    );

  it('accepts a valid ES256 ID token and exposes its claims', async () => {
    const result = await validate(await op.idToken({ nonce: 'n-1', at_hash: await atHash('at-1') }), {
      expectedNonce: 'n-1',
    });
    const claims = getValidatedIdTokenClaims(result)!;
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, CLIENT_ID);
  });

  it('accepts a valid RS256 ID token (key chosen by kid)', async () => {
    const token = await op.idToken({}, { alg: 'RS256', kid: 'rsa-1' }, op.keys.rsa.privateKey);
    assert.equal(getValidatedIdTokenClaims(await validate(token))!.sub, 'alice');
  });

  it('refuses alg none (an unsigned token)', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none' })}.${encode({ iss: op.issuer, sub: 'alice', aud: CLIENT_ID, iat: now(), exp: now() + 60 })}.`;
    await assert.rejects(
      validate(unsigned),
      isClientError('ERR_JWT_ALG', /ID token alg: expected one of ES256,RS256, got "none"/),
    );
    await assert.rejects(
      validate(unsigned, {}, { ...op.client, id_token_signed_response_alg: 'none' }),
      isClientError('ERR_JWT_ALG', /got "none"/),
    );
  });

  it('refuses HS256 (keyed by the client secret) unless the client registered it', async () => {
    const secret = new TextEncoder().encode(CLIENT_SECRET);
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(op.issuer)
      .setAudience(CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(secret);
    await assert.rejects(validate(token), isClientError('ERR_JWT_ALG', /got "HS256"/));
    const registered = { ...op.client, id_token_signed_response_alg: 'HS256' };
    assert.equal(getValidatedIdTokenClaims(await validate(token, {}, registered))!.sub, 'alice');
  });

  it('refuses an alg other than the registered one', async () => {
    const token = await op.idToken();
    await assert.rejects(
      validate(token, {}, { ...op.client, id_token_signed_response_alg: 'RS256' }),
      isClientError('ERR_JWT_ALG', /expected one of RS256, got "ES256"/),
    );
  });

  it('refuses an alg the server does not advertise', async () => {
    const token = await op.idToken({}, { alg: 'RS256', kid: 'rsa-1' }, op.keys.rsa.privateKey);
    const as = { ...op.as, id_token_signing_alg_values_supported: ['ES256'] };
    await assert.rejects(
      processAuthorizationCodeResponse(
        as,
        op.client,
        json({ access_token: 'at', token_type: 'bearer', id_token: token }),
        op.http,
      ),
      isClientError('ERR_JWT_ALG', /expected one of ES256, got "RS256"/),
    );
  });

  it('refuses a signature by a key that is not the issuer’s', async () => {
    const forged = await op.idToken({}, {}, op.keys.rogue.privateKey);
    await assert.rejects(
      validate(forged),
      isClientError('ERR_JWT_SIGNATURE', /ID token: signature verification failed/),
    );
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await op.idToken()).split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: op.issuer, sub: 'mallory', aud: CLIENT_ID, iat: now(), exp: now() + 60 }),
    ).toString('base64url');
    await assert.rejects(
      validate(`${header}.${payload}.${signature}`),
      isClientError('ERR_JWT_SIGNATURE', /signature/),
    );
  });

  it('refuses malformed tokens, encrypted tokens and non-JSON payloads', async () => {
    await assert.rejects(validate('not-a-jwt'), isClientError('ERR_JWT_INVALID', /ID token/));
    await assert.rejects(validate('a.b.c.d.e'), isClientError('ERR_JWT_INVALID', /ID token/));
    const text = await new CompactSign(new TextEncoder().encode('hello'))
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(op.keys.ec.privateKey);
    await assert.rejects(validate(text), isClientError('ERR_JWT_INVALID', /payload is not a JSON object/));
  });

  it('refuses a wrong iss', async () => {
    await assert.rejects(
      validate(await op.idToken({ iss: 'https://evil.example' })),
      isClientError(
        'ERR_JWT_CLAIM',
        /ID token iss: expected "http:\/\/127\.0\.0\.1:\d+", got "https:\/\/evil\.example"/,
      ),
    );
  });

  it('refuses a token for another audience', async () => {
    await assert.rejects(
      validate(await op.idToken({ aud: 'client-2' })),
      isClientError('ERR_JWT_CLAIM', /ID token aud: expected "client-1", got "client-2"/),
    );
    await assert.rejects(
      validate(await op.idToken({ aud: ['client-2', 'client-3'] })),
      isClientError('ERR_JWT_CLAIM', /aud/),
    );
  });

  it('requires azp = client_id with several audiences, and checks azp when present', async () => {
    const aud = [CLIENT_ID, 'api'];
    await assert.rejects(
      validate(await op.idToken({ aud })),
      isClientError('ERR_JWT_CLAIM', /ID token azp: expected "client-1", got none/),
    );
    assert.ok(await validate(await op.idToken({ aud, azp: CLIENT_ID })));
    await assert.rejects(
      validate(await op.idToken({ azp: 'client-2' })),
      isClientError('ERR_JWT_CLAIM', /azp: expected "client-1", got "client-2"/),
    );
  });

  it('refuses an expired token, within the tolerance too when set to 0', async () => {
    await assert.rejects(
      validate(await op.idToken({ exp: now() - 120 })),
      isClientError('ERR_JWT_EXPIRED', /ID token expired: exp \d+ is past \(now \d+, tolerance 30 s\)/),
    );
    const token = await op.idToken({ exp: now() - 10 });
    assert.ok(await validate(token), 'accepted within the default 30 s tolerance');
    await assert.rejects(
      validate(token, {}, { ...op.client, [clockTolerance]: 0 }),
      isClientError('ERR_JWT_EXPIRED', /tolerance 0 s/),
    );
  });

  it('applies the client clock skew', async () => {
    const token = await op.idToken({ exp: now() + 100 });
    await assert.rejects(
      validate(token, {}, { ...op.client, [clockSkew]: 200 }),
      isClientError('ERR_JWT_EXPIRED', /expired/),
    );
  });

  it('requires exp and iat to be numbers', async () => {
    await assert.rejects(
      validate(await op.idToken({ exp: undefined })),
      isClientError('ERR_JWT_CLAIM', /ID token exp: expected a number, got none/),
    );
    await assert.rejects(
      validate(await op.idToken({ iat: 'yesterday' })),
      isClientError('ERR_JWT_CLAIM', /iat: expected a number, got "yesterday"/),
    );
  });

  it('refuses a token not yet valid (nbf) or issued in the future (iat)', async () => {
    await assert.rejects(
      validate(await op.idToken({ nbf: now() + 120 })),
      isClientError('ERR_JWT_TIME', /ID token nbf \d+ is in the future/),
    );
    await assert.rejects(
      validate(await op.idToken({ iat: now() + 120 })),
      isClientError('ERR_JWT_TIME', /ID token iat \d+ is in the future/),
    );
    assert.ok(await validate(await op.idToken({ nbf: now() - 1 })));
  });

  it('checks nonce: equal when expected, absent when not', async () => {
    await assert.rejects(
      validate(await op.idToken({ nonce: 'n-2' }), { expectedNonce: 'n-1' }),
      isClientError('ERR_JWT_CLAIM', /ID token nonce: expected "n-1", got "n-2"/),
    );
    await assert.rejects(
      validate(await op.idToken(), { expectedNonce: 'n-1' }),
      isClientError('ERR_JWT_CLAIM', /got none/),
    );
    await assert.rejects(
      validate(await op.idToken({ nonce: 'n-1' })),
      isClientError('ERR_JWT_CLAIM', /nonce: expected none, got "n-1"/),
    );
  });

  it('checks auth_time against max_age', async () => {
    assert.ok(await validate(await op.idToken({ auth_time: now() - 50 }), { maxAge: 60 }));
    await assert.rejects(
      validate(await op.idToken({ auth_time: now() - 600 }), { maxAge: 60 }),
      isClientError('ERR_AUTH_TIME', /ID token auth_time \d+ is older than max_age 60 s/),
    );
    await assert.rejects(
      validate(await op.idToken(), { maxAge: 60 }),
      isClientError('ERR_AUTH_TIME', /auth_time: expected a number, got none/),
    );
  });

  it('applies the client default_max_age and require_auth_time', async () => {
    const old = await op.idToken({ auth_time: now() - 600 });
    await assert.rejects(
      validate(old, {}, { ...op.client, default_max_age: 60 }),
      isClientError('ERR_AUTH_TIME', /max_age 60/),
    );
    await assert.rejects(
      validate(await op.idToken(), {}, { ...op.client, require_auth_time: true }),
      isClientError('ERR_AUTH_TIME', /auth_time/),
    );
  });

  it('checks at_hash when present', async () => {
    assert.ok(await validate(await op.idToken({ at_hash: await atHash('at-1') })));
    await assert.rejects(
      validate(await op.idToken({ at_hash: await atHash('another token') })),
      isClientError('ERR_JWT_CLAIM', /at_hash does not match the access token/),
    );
  });

  it('with skipIdTokenSignatureCheck: no signature nor at_hash check, no JWKS, every other check', async () => {
    const jwksFetches = () => op.server.requests.filter((r) => new URL(r.url).pathname === '/jwks').length;
    const before = jwksFetches();
    const as = { ...op.as }; // its own JWKS cache
    const check = (idToken: string, options: ProcessTokenResponseOptions, client: Client = op.client) =>
      processAuthorizationCodeResponse(
        as,
        client,
        json({ access_token: 'at-1', token_type: 'Bearer', id_token: idToken }),
        {
          ...op.http,
          ...options,
        },
      );
    const skip = { skipIdTokenSignatureCheck: true, expectedNonce: 'n-1' };
    const rogue = op.keys.rogue.privateKey;
    const forged = await op.idToken({ nonce: 'n-1', at_hash: await atHash('another token') }, {}, rogue);
    assert.equal(getValidatedIdTokenClaims(await check(forged, skip))!.sub, 'alice');
    await assert.rejects(
      check(await op.idToken({ nonce: 'n-2' }, {}, rogue), skip),
      isClientError('ERR_JWT_CLAIM', /ID token nonce: expected "n-1", got "n-2"/),
    );
    const rs256 = await op.idToken({ nonce: 'n-1' }, { alg: 'RS256', kid: 'rsa-1' }, op.keys.rsa.privateKey);
    await assert.rejects(
      check(rs256, skip, { ...op.client, id_token_signed_response_alg: 'ES256' }),
      isClientError('ERR_JWT_ALG', /expected one of ES256, got "RS256"/),
    );
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged.split('.')[1]}.`;
    await assert.rejects(check(none, skip), isClientError('ERR_JWT_ALG', /got "none"/));
    assert.equal(jwksFetches(), before, 'no JWKS without a signature to check');
    await assert.rejects(
      check(forged, { expectedNonce: 'n-1' }),
      isClientError('ERR_JWT_SIGNATURE', /signature/),
    );
  });

  it('on refresh: does not apply default_max_age to the original auth_time', async () => {
    const client = { ...op.client, default_max_age: 60 };
    const response = json({
      access_token: 'at',
      token_type: 'bearer',
      id_token: await op.idToken({ auth_time: now() - 600 }),
    });
    assert.ok(await processRefreshTokenResponse(op.as, client, response, op.http));
  });

  it('on refresh: ignores nonce, but refuses a changed sub', async () => {
    const response = async (claims: Record<string, unknown>) =>
      json({ access_token: 'at-2', token_type: 'bearer', id_token: await op.idToken(claims) });
    const ok = await processRefreshTokenResponse(op.as, op.client, await response({ nonce: 'old' }), {
      ...op.http,
      expectedSubject: 'alice',
    });
    assert.equal(getValidatedIdTokenClaims(ok)!.sub, 'alice');
    await assert.rejects(
      processRefreshTokenResponse(op.as, op.client, await response({ sub: 'bob' }), {
        ...op.http,
        expectedSubject: 'alice',
      }),
      isClientError('ERR_SUBJECT_MISMATCH', /ID token sub: expected "alice", got "bob"/),
    );
  });
});

describe('the issuer JWKS cache', () => {
  let op: FakeIssuer;
  const jwksFetches = () => op.server.requests.filter((r) => new URL(r.url).pathname === '/jwks').length;
  const validate = (idToken: string) =>
    processAuthorizationCodeResponse(
      op.as,
      op.client,
      json({ access_token: 'at', token_type: 'bearer', id_token: idToken }),
      op.http,
    );

  beforeEach(async () => {
    await op?.close();
    op = await startFakeIssuer();
  });
  after(() => op.close());

  it('fetches the JWKS once for many tokens', async () => {
    for (let i = 0; i < 3; i++) await validate(await op.idToken());
    assert.equal(jwksFetches(), 1);
  });

  it('fetches it again once on an unknown kid (key rotation), after the 30 s cooldown', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      await validate(await op.idToken());
      op.jwks.push({ ...(await exportJWK(op.keys.rogue.publicKey)), kid: 'ec-2', alg: 'ES256' });
      const rotated = await op.idToken({}, { kid: 'ec-2' }, op.keys.rogue.privateKey);
      await assert.rejects(
        validate(rotated),
        isClientError('ERR_JWKS', /no key of the issuer matches kid "ec-2" and alg ES256/),
      );
      assert.equal(jwksFetches(), 1, 'no refetch within the cooldown');
      mock.timers.tick(31_000);
      assert.equal(
        getValidatedIdTokenClaims(
          await validate(await op.idToken({}, { kid: 'ec-2' }, op.keys.rogue.privateKey)),
        )!.sub,
        'alice',
      );
      assert.equal(jwksFetches(), 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('refetches only once for a kid that stays unknown', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      await validate(await op.idToken());
      mock.timers.tick(31_000);
      await assert.rejects(
        validate(await op.idToken({}, { kid: 'nope' })),
        isClientError('ERR_JWKS', /"nope"/),
      );
      assert.equal(jwksFetches(), 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('tries each key when the token has no kid', async () => {
    op.jwks.unshift({ ...(await exportJWK(op.keys.rogue.publicKey)), alg: 'ES256' });
    assert.ok(await validate(await op.idToken({}, { kid: undefined })));
  });

  it('reports an unreachable JWKS as ERR_JWKS_UNAVAILABLE-like transport errors', async () => {
    op.server.route('/jwks', () => new Response('down', { status: 503 }));
    await assert.rejects(
      validate(await op.idToken()),
      isClientError('ERR_UNEXPECTED_STATUS', /jwks_uri: expected HTTP 200, got 503/),
    );
    op.server.route('/jwks', () => json({ nokeys: [] }));
    await assert.rejects(
      validate(await op.idToken()),
      isClientError('ERR_JWKS_UNAVAILABLE', /no "keys" array/),
    );
  });
});

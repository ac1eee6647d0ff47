import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildEndSessionUrl,
  ClientError,
  ClientSecretBasic,
  Configuration,
  calculatePKCECodeChallenge,
  clientCredentialsGrant,
  customFetch,
  discovery,
  dynamicClientRegistration,
  fetchProtectedResource,
  fetchUserInfo,
  getDPoPHandle,
  randomDPoPKeyPair,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  skipSubjectCheck,
  tokenIntrospection,
  tokenRevocation,
} from '../src/index.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  type FakeIssuer,
  REDIRECT_URI,
  startFakeIssuer,
} from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

const execute = [allowInsecureRequests];

describe('high level (openid-client v6 signatures)', () => {
  let op: FakeIssuer;
  let tokenRequests: URLSearchParams[];
  let tokenHeaders: Headers[];
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());
  beforeEach(() => {
    tokenRequests = [];
    tokenHeaders = [];
    op.answerToken(async (request) => {
      const body = new URLSearchParams(await request.text());
      tokenRequests.push(body);
      tokenHeaders.push(request.headers);
      return json({
        access_token: 'at-1',
        token_type: 'Bearer',
        expires_in: 300,
        refresh_token: 'rt-1',
        id_token: await op.idToken({
          nonce: body.get('grant_type') === 'authorization_code' ? 'n-1' : undefined,
        }),
      });
    });
  });

  const config = (metadata?: Parameters<typeof discovery>[2], auth?: Parameters<typeof discovery>[3]) =>
    discovery(new URL(op.issuer), CLIENT_ID, metadata ?? CLIENT_SECRET, auth, { execute });
  const callbackUrl = (extra = '') =>
    new URL(`https://app.example/callback?code=c1&state=s-1&iss=${encodeURIComponent(op.issuer)}${extra}`);
  const checks = { pkceCodeVerifier: randomPKCECodeVerifier(), expectedState: 's-1', expectedNonce: 'n-1' };

  it('discovers the server and exposes the metadata copies', async () => {
    const c = await config();
    assert.ok(c instanceof Configuration);
    assert.equal(c.serverMetadata().token_endpoint, `${op.issuer}/token`);
    assert.equal(c.serverMetadata().supportsPKCE(), true);
    assert.equal(c.serverMetadata().supportsPKCE('plain'), false);
    assert.deepEqual(c.clientMetadata(), { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.equal(c.timeout, undefined);
  });

  it('builds the authorization URL: client_id, response_type=code, configured redirect_uri', async () => {
    const c = await config({ client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] });
    const verifier = randomPKCECodeVerifier();
    const url = buildAuthorizationUrl(c, {
      scope: 'openid',
      state: randomState(),
      nonce: randomNonce(),
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    assert.equal(url.origin + url.pathname, `${op.issuer}/authorize`);
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT_URI);
    assert.equal(url.searchParams.get('code_challenge')!.length, 43);
  });

  it('runs the code grant from the callback URL: client_secret_post by default, redirect_uri from the URL', async () => {
    const c = await config();
    // The clock is the test's: expiresIn() counts down from the moment the response arrived.
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const tokens = await authorizationCodeGrant(c, callbackUrl(), checks);
      assert.equal(tokens.access_token, 'at-1');
      assert.equal(tokens.claims()!.sub, 'alice');
      const received = Date.now();
      assert.equal(tokens.expiresIn(), 300);
      mock.timers.setTime(received + 100_000);
      assert.equal(tokens.expiresIn(), 200);
      mock.timers.setTime(received + 400_000);
      assert.equal(tokens.expiresIn(), 0);
      assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(tokens))).sort(), [
        'access_token',
        'expires_in',
        'id_token',
        'refresh_token',
        'token_type',
      ]);
      const body = tokenRequests[0]!;
      assert.equal(body.get('grant_type'), 'authorization_code');
      assert.equal(body.get('code'), 'c1');
      assert.equal(body.get('redirect_uri'), 'https://app.example/callback');
      assert.equal(body.get('code_verifier'), checks.pkceCodeVerifier);
      assert.equal(body.get('client_secret'), CLIENT_SECRET);
    } finally {
      mock.timers.reset();
    }
  });

  it('skips the ID token signature check only when asked (skipIdTokenSignatureCheck)', async () => {
    const c = await config();
    op.answerToken(async () =>
      json({
        access_token: 'at-1',
        token_type: 'Bearer',
        id_token: await op.idToken({ nonce: 'n-1' }, {}, op.keys.rogue.privateKey),
      }),
    );
    await assert.rejects(authorizationCodeGrant(c, callbackUrl(), checks), { code: 'ERR_JWT_SIGNATURE' });
    const tokens = await authorizationCodeGrant(c, callbackUrl(), {
      ...checks,
      skipIdTokenSignatureCheck: true,
    });
    assert.equal(tokens.claims()!.sub, 'alice');
    await assert.rejects(refreshTokenGrant(c, 'rt-1'), { code: 'ERR_JWT_SIGNATURE' });
    const refreshed = await refreshTokenGrant(c, 'rt-1', undefined, { skipIdTokenSignatureCheck: true });
    assert.equal(refreshed.claims()!.sub, 'alice');
  });

  it('sends the configured redirect_uri, not the one derived from the URL (proxies)', async () => {
    const c = await config({ client_secret: CLIENT_SECRET, redirect_uri: 'https://public.example/cb' });
    await authorizationCodeGrant(c, callbackUrl(), checks);
    assert.equal(tokenRequests[0]!.get('redirect_uri'), 'https://public.example/cb');
  });

  it('accepts a GET Request and a POST form_post Request as the callback', async () => {
    const c = await config();
    await authorizationCodeGrant(c, new Request(callbackUrl()), checks);
    const form = new Request('https://app.example/callback', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'c2', state: 's-1', iss: op.issuer }),
    });
    await authorizationCodeGrant(c, form, checks);
    assert.equal(tokenRequests[1]!.get('code'), 'c2');
    assert.equal(tokenRequests[1]!.get('redirect_uri'), 'https://app.example/callback');
  });

  it('is a TypeError for any other currentUrl', async () => {
    const c = await config();
    await assert.rejects(
      authorizationCodeGrant(c, 'https://app.example/callback?code=c1' as never, checks),
      TypeError,
    );
    await assert.rejects(
      authorizationCodeGrant(c, new Request(callbackUrl(), { method: 'PUT' }), checks),
      TypeError,
    );
    await assert.rejects(authorizationCodeGrant({} as Configuration, callbackUrl(), checks), TypeError);
  });

  it('validates the callback first: a wrong state never reaches the token endpoint', async () => {
    const c = await config();
    await assert.rejects(authorizationCodeGrant(c, callbackUrl(), { ...checks, expectedState: 'other' }), {
      code: 'ERR_STATE_MISMATCH',
    });
    assert.equal(tokenRequests.length, 0);
  });

  it('sends tokenEndpointParameters (resource, RFC 8707) and honours the client auth given', async () => {
    const c = await config(CLIENT_SECRET, ClientSecretBasic());
    await authorizationCodeGrant(c, callbackUrl(), checks, { resource: 'https://api.example' });
    assert.equal(tokenRequests[0]!.get('resource'), 'https://api.example');
    assert.match(tokenHeaders[0]!.get('authorization')!, /^Basic /);
  });

  it('requires an ID token when idTokenExpected', async () => {
    const c = await config();
    op.answerToken(() => json({ access_token: 'at', token_type: 'bearer' }));
    await assert.rejects(
      authorizationCodeGrant(c, callbackUrl(), {
        pkceCodeVerifier: checks.pkceCodeVerifier,
        expectedState: 's-1',
        idTokenExpected: true,
      }),
      { code: 'ERR_ID_TOKEN_MISSING' },
    );
  });

  it('refreshes, refusing a new ID token for another end-user', async () => {
    const c = await config();
    const tokens = await refreshTokenGrant(c, 'rt-1', { scope: 'openid' }, { expectedSubject: 'alice' });
    assert.equal(tokens.claims()!.sub, 'alice');
    assert.equal(tokenRequests[0]!.get('grant_type'), 'refresh_token');
    assert.equal(tokenRequests[0]!.get('refresh_token'), 'rt-1');
    assert.equal(tokenRequests[0]!.get('scope'), 'openid');
    await assert.rejects(refreshTokenGrant(c, 'rt-1', undefined, { expectedSubject: 'bob' }), {
      code: 'ERR_SUBJECT_MISMATCH',
      message: 'ID token sub: expected "bob", got "alice"',
    });
  });

  it('runs the client credentials grant', async () => {
    const c = await config();
    op.answerToken(async (request) => {
      tokenRequests.push(new URLSearchParams(await request.text()));
      return json({ access_token: 'cc', token_type: 'bearer', expires_in: '60' });
    });
    // The clock stands still, so expiresIn() is exactly the server's expires_in (under load, a real
    // clock moves on between the response and the assertion).
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const tokens = await clientCredentialsGrant(c, { scope: 'api' });
      assert.equal(tokens.expiresIn(), 60);
      assert.equal(tokens.claims(), undefined);
    } finally {
      mock.timers.reset();
    }
    assert.equal(tokenRequests[0]!.get('grant_type'), 'client_credentials');
    assert.equal(tokenRequests[0]!.get('scope'), 'api');
  });

  it('retries once with the nonce the server asks for (DPoP, RFC 9449 §8)', async () => {
    const c = await config();
    const DPoP = getDPoPHandle(c, await randomDPoPKeyPair());
    const proofs: string[] = [];
    op.answerToken(async (request) => {
      proofs.push(request.headers.get('dpop')!);
      if (proofs.length === 1) return json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'nonce-1' });
      return json({ access_token: 'at', token_type: 'DPoP' });
    });
    const tokens = await authorizationCodeGrant(
      c,
      callbackUrl(),
      { pkceCodeVerifier: checks.pkceCodeVerifier, expectedState: 's-1' },
      undefined,
      { DPoP },
    );
    assert.equal(tokens.token_type, 'dpop');
    assert.equal(proofs.length, 2);
    assert.equal(decodeJwt(proofs[0]!).nonce, undefined);
    const proof = decodeJwt(proofs[1]!);
    assert.equal(proof.nonce, 'nonce-1');
    assert.equal(proof.htm, 'POST');
    assert.equal(proof.htu, `${op.issuer}/token`);
    assert.equal(decodeProtectedHeader(proofs[1]!).typ, 'dpop+jwt');
  });

  it('does not retry a second use_dpop_nonce, nor without DPoP', async () => {
    const c = await config();
    let calls = 0;
    op.answerToken(() => {
      calls++;
      return json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': `n${calls}` });
    });
    const DPoP = getDPoPHandle(c, await randomDPoPKeyPair());
    await assert.rejects(refreshTokenGrant(c, 'rt', undefined, { DPoP }), { error: 'use_dpop_nonce' });
    assert.equal(calls, 2);
    await assert.rejects(refreshTokenGrant(c, 'rt'), { error: 'use_dpop_nonce' });
    assert.equal(calls, 3);
  });

  it('fetches UserInfo, checking sub, and retries for a DPoP nonce challenge', async () => {
    const c = await config();
    let calls = 0;
    op.server.route('/userinfo', (request) => {
      calls++;
      if (request.headers.get('authorization')!.startsWith('DPoP') && calls === 1) {
        return new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'u1' },
        });
      }
      return json({ sub: 'alice', email: 'alice@example.com' });
    });
    assert.equal((await fetchUserInfo(c, 'at', 'alice')).email, 'alice@example.com');
    await assert.rejects(fetchUserInfo(c, 'at', 'bob'), {
      code: 'ERR_SUBJECT_MISMATCH',
      message: 'userinfo endpoint sub: expected "bob", got "alice"',
    });
    assert.equal((await fetchUserInfo(c, 'at', skipSubjectCheck)).sub, 'alice');
    calls = 0;
    const DPoP = getDPoPHandle(c, await randomDPoPKeyPair());
    assert.equal((await fetchUserInfo(c, 'at', 'alice', { DPoP })).sub, 'alice');
    assert.equal(calls, 2);
  });

  it('exposes a UserInfo Bearer challenge error', async () => {
    const c = await config();
    op.server.route(
      '/userinfo',
      () =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer realm="x", error="invalid_token", error_description="token expired"',
          },
        }),
    );
    await assert.rejects(fetchUserInfo(c, 'at', 'alice'), (err: unknown) => {
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'ERR_SERVER_ERROR');
      assert.equal(err.error, 'invalid_token');
      assert.equal(err.status, 401);
      assert.match(err.message, /userinfo endpoint answered HTTP 401 invalid_token: token expired/);
      return true;
    });
  });

  it('calls a protected resource with Bearer, and with DPoP (+ath, nonce retry)', async () => {
    const c = await config();
    const seen: Request[] = [];
    op.server.route('/api', (request) => {
      seen.push(request);
      if (request.headers.has('dpop') && seen.length === 2) {
        return new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'r1' },
        });
      }
      return json({ ok: true });
    });
    const url = new URL(`${op.issuer}/api?x=1`);
    assert.equal((await fetchProtectedResource(c, 'at-1', url, 'GET')).status, 200);
    assert.equal(seen[0]!.headers.get('authorization'), 'Bearer at-1');
    const DPoP = getDPoPHandle(c, await randomDPoPKeyPair());
    const response = await fetchProtectedResource(
      c,
      'at-1',
      url,
      'POST',
      '{}',
      new Headers({ 'content-type': 'application/json' }),
      { DPoP },
    );
    assert.equal(response.status, 200);
    assert.equal(seen.length, 3);
    assert.equal(seen[2]!.headers.get('authorization'), 'DPoP at-1');
    const proof = decodeJwt(seen[2]!.headers.get('dpop')!);
    assert.equal(proof.nonce, 'r1');
    assert.equal(proof.htu, `${op.issuer}/api`);
    assert.equal(
      proof.ath,
      Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('at-1'))).toString(
        'base64url',
      ),
    );
  });

  it('revokes and introspects tokens with the client authentication', async () => {
    const c = await config();
    const bodies: URLSearchParams[] = [];
    op.server.route('/revoke', async (request) => {
      bodies.push(new URLSearchParams(await request.text()));
      return new Response(null, { status: 200 });
    });
    op.server.route('/introspect', async (request) => {
      bodies.push(new URLSearchParams(await request.text()));
      return json({ active: true, sub: 'alice', client_id: CLIENT_ID });
    });
    await tokenRevocation(c, 'rt-1', { token_type_hint: 'refresh_token' });
    assert.equal(bodies[0]!.get('token'), 'rt-1');
    assert.equal(bodies[0]!.get('token_type_hint'), 'refresh_token');
    assert.equal(bodies[0]!.get('client_secret'), CLIENT_SECRET);
    const info = await tokenIntrospection(c, 'at-1');
    assert.equal(info.active, true);
    assert.equal(info.sub, 'alice');
    op.server.route('/introspect', () => json({ sub: 'alice' }));
    await assert.rejects(tokenIntrospection(c, 'at-1'), {
      code: 'ERR_INVALID_RESPONSE',
      message: 'introspection response active: expected a boolean, got none',
    });
    op.server.route('/revoke', () => json({ error: 'unsupported_token_type' }, 400));
    await assert.rejects(tokenRevocation(c, 'x'), {
      code: 'ERR_SERVER_ERROR',
      error: 'unsupported_token_type',
    });
  });

  it('builds the end-session URL', async () => {
    const c = await config();
    const url = buildEndSessionUrl(c, {
      id_token_hint: 'idt',
      post_logout_redirect_uri: 'https://app.example/bye',
    });
    assert.equal(url.origin + url.pathname, `${op.issuer}/logout`);
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(url.searchParams.get('id_token_hint'), 'idt');
  });

  it('registers a client dynamically', async () => {
    op.server.route('/register', async (request) => {
      const metadata = await request.json();
      assert.equal(request.headers.get('authorization'), 'Bearer iat-1');
      return json({ ...metadata, client_id: 'registered-1', client_secret: 's3cr3t' }, 201);
    });
    const c = await dynamicClientRegistration(
      new URL(op.issuer),
      { redirect_uris: [REDIRECT_URI] },
      undefined,
      {
        execute,
        initialAccessToken: 'iat-1',
      },
    );
    assert.equal(c.clientMetadata().client_id, 'registered-1');
    assert.equal(c.clientMetadata().client_secret, 's3cr3t');
    op.server.route('/register', () => json({ error: 'invalid_redirect_uri' }, 400));
    await assert.rejects(dynamicClientRegistration(new URL(op.issuer), {}, undefined, { execute }), {
      error: 'invalid_redirect_uri',
    });
  });

  it('uses the configuration customFetch and timeout', async () => {
    const c = await config();
    const urls: string[] = [];
    c[customFetch] = (url, init) => {
      urls.push(url);
      return fetch(url, init as RequestInit);
    };
    c.timeout = 5;
    assert.equal(c.timeout, 5);
    await authorizationCodeGrant(c, callbackUrl(), checks);
    assert.deepEqual(urls, [`${op.issuer}/token`, `${op.issuer}/jwks`]);
  });

  it('keeps the Configuration constructor contract', () => {
    assert.throws(() => new Configuration(op.as, ''), TypeError);
    const c = new Configuration(op.as, 'c', {
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: 's',
    });
    assert.equal(c.clientMetadata().client_id, 'c');
  });
});

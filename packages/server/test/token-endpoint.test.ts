import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const bob = { username: 'bob', password: 'a long enough password' };

describe('token endpoint', () => {
  let server: TestServer;
  let client: { clientId: string; clientSecret: string };

  before(async () => {
    server = await startTestServer();
    await addUser(server.store, bob.username, bob.password);
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    client = { clientId: added.clientId, clientSecret: added.clientSecret! };
  });
  after(() => server.close());

  const code = (options: Parameters<typeof obtainCode>[4] = {}) =>
    obtainCode(server.issuer, client.clientId, REDIRECT_URI, bob, options);

  describe('a successful exchange', () => {
    it('answers RFC 6749 §5.1 JSON with no-store, a JWT access token (RFC 9068) and an ID token', async () => {
      const obtained = await code();
      const response = await tokenRequest(server.issuer, codeExchange(obtained), client);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.match(response.headers.get('content-type')!, /^application\/json/);
      const body = await response.json();
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3600);
      assert.equal(body.scope, 'openid profile offline_access');

      const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
      const access = await jwtVerify(body.access_token, jwks, {
        issuer: server.issuer,
        audience: server.issuer,
        typ: 'at+jwt',
      });
      assert.equal(access.payload.client_id, client.clientId);
      assert.equal(typeof access.payload.jti, 'string');
      assert.equal(decodeProtectedHeader(body.access_token).alg, 'ES256');

      const id = await jwtVerify(body.id_token, jwks, { issuer: server.issuer, audience: client.clientId });
      assert.equal(id.payload.nonce, 'nonce-1');
      assert.equal(id.payload.sub, access.payload.sub);
      assert.equal(typeof id.payload.auth_time, 'number');
      assert.equal(decodeProtectedHeader(body.id_token).alg, 'ES256');
    });

    it('accepts client_secret_post as well as client_secret_basic', async () => {
      const obtained = await code();
      const response = await tokenRequest(server.issuer, {
        ...codeExchange(obtained),
        client_id: client.clientId,
        client_secret: client.clientSecret,
      });
      assert.equal(response.status, 200);
    });
  });

  describe('code replay', () => {
    it('refuses the second redemption and revokes every token issued from the code', async () => {
      const obtained = await code();
      const first = await (await tokenRequest(server.issuer, codeExchange(obtained), client)).json();
      const userinfoBefore = await fetch(`${server.issuer}/userinfo`, {
        headers: { authorization: `Bearer ${first.access_token}` },
      });
      assert.equal(userinfoBefore.status, 200);

      const replay = await tokenRequest(server.issuer, codeExchange(obtained), client);
      assert.equal(replay.status, 400);
      assert.equal((await replay.json()).error, 'invalid_grant');

      const userinfoAfter = await fetch(`${server.issuer}/userinfo`, {
        headers: { authorization: `Bearer ${first.access_token}` },
      });
      assert.equal(userinfoAfter.status, 401);
      assert.match(userinfoAfter.headers.get('www-authenticate')!, /error="invalid_token"/);
      const refresh = await tokenRequest(
        server.issuer,
        { grant_type: 'refresh_token', refresh_token: first.refresh_token },
        client,
      );
      assert.equal((await refresh.json()).error, 'invalid_grant');
    });

    it('lets exactly one of 20 concurrent redemptions of one code succeed', async () => {
      const obtained = await code();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => tokenRequest(server.issuer, codeExchange(obtained), client)),
      );
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 400).length, 19);
      for (const response of responses.filter((r) => r.status === 400)) {
        assert.equal((await response.json()).error, 'invalid_grant');
      }
    });
  });

  describe('PKCE', () => {
    it('refuses a wrong verifier, and the code stays redeemable with the right one', async () => {
      const obtained = await code();
      const wrong = await tokenRequest(
        server.issuer,
        codeExchange(obtained, { code_verifier: 'x'.repeat(43) }),
        client,
      );
      assert.equal(wrong.status, 400);
      const body = await wrong.json();
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /code_verifier does not match/);
      assert.equal((await tokenRequest(server.issuer, codeExchange(obtained), client)).status, 200);
    });

    it('refuses a missing verifier', async () => {
      const obtained = await code();
      const response = await tokenRequest(
        server.issuer,
        codeExchange(obtained, { code_verifier: undefined }),
        client,
      );
      const body = await response.json();
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /code_verifier is required/);
    });

    it('refuses a malformed verifier as invalid_request', async () => {
      const obtained = await code();
      const response = await tokenRequest(
        server.issuer,
        codeExchange(obtained, { code_verifier: 'short' }),
        client,
      );
      assert.equal((await response.json()).error, 'invalid_request');
    });

    it('refuses a verifier for a code issued without a challenge (downgrade)', async () => {
      const relaxed = await addClient(server.store, {
        redirectUris: [REDIRECT_URI],
        firstParty: true,
        allowMissingPkce: true,
      });
      const obtained = await obtainCode(server.issuer, relaxed.clientId, REDIRECT_URI, bob, { pkce: false });
      const credentials = { clientId: relaxed.clientId, clientSecret: relaxed.clientSecret! };
      const downgrade = await tokenRequest(server.issuer, codeExchange(obtained), credentials);
      const body = await downgrade.json();
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /PKCE downgrade/);
      const plain = await tokenRequest(
        server.issuer,
        codeExchange(obtained, { code_verifier: undefined }),
        credentials,
      );
      assert.equal(plain.status, 200, 'the allowed client may redeem without PKCE');
    });
  });

  describe('bindings of the code', () => {
    it('refuses another redirect_uri', async () => {
      const obtained = await code();
      const response = await tokenRequest(
        server.issuer,
        codeExchange(obtained, { redirect_uri: 'https://app.example.com/other' }),
        client,
      );
      const body = await response.json();
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /redirect_uri/);
    });

    it('refuses a code presented by another (authenticated) client', async () => {
      const obtained = await code();
      const other = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
      const response = await tokenRequest(server.issuer, codeExchange(obtained), {
        clientId: other.clientId,
        clientSecret: other.clientSecret!,
      });
      const body = await response.json();
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /another client/);
    });

    it('refuses an unknown code', async () => {
      const response = await tokenRequest(
        server.issuer,
        {
          grant_type: 'authorization_code',
          code: 'nope',
          redirect_uri: REDIRECT_URI,
          code_verifier: 'a'.repeat(43),
        },
        client,
      );
      assert.equal((await response.json()).error, 'invalid_grant');
    });
  });

  describe('client authentication', () => {
    it('answers a wrong Basic secret with 401 invalid_client and a Basic challenge', async () => {
      const obtained = await code();
      const response = await tokenRequest(server.issuer, codeExchange(obtained), {
        clientId: client.clientId,
        clientSecret: 'wrong',
      });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /^Basic /);
      assert.equal((await response.json()).error, 'invalid_client');
    });

    it('answers a wrong client_secret_post with 401 invalid_client', async () => {
      const response = await tokenRequest(server.issuer, {
        grant_type: 'authorization_code',
        client_id: client.clientId,
        client_secret: 'wrong',
      });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error, 'invalid_client');
    });

    it('refuses an unknown client, a confidential client without its secret, and no client at all', async () => {
      for (const params of <Record<string, string>[]>[
        { grant_type: 'authorization_code', client_id: 'unknown' },
        { grant_type: 'authorization_code', client_id: client.clientId },
        { grant_type: 'authorization_code' },
      ]) {
        const response = await tokenRequest(server.issuer, params);
        assert.equal(response.status, 401, JSON.stringify(params));
        assert.equal((await response.json()).error, 'invalid_client');
      }
    });

    it('refuses a secret from a public client', async () => {
      const pub = await addClient(server.store, { redirectUris: [REDIRECT_URI], public: true });
      const response = await tokenRequest(server.issuer, {
        grant_type: 'authorization_code',
        client_id: pub.clientId,
        client_secret: 'x'.repeat(43),
      });
      assert.equal(response.status, 401);
      assert.match((await response.json()).error_description, /public/);
    });

    it('refuses two authentication methods at once', async () => {
      const response = await tokenRequest(
        server.issuer,
        { grant_type: 'authorization_code', client_secret: client.clientSecret },
        client,
      );
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, 'invalid_request');
    });

    it('refuses malformed Basic credentials', async () => {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic !!!' },
        body: 'grant_type=authorization_code',
      });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error, 'invalid_client');
    });
  });

  describe('bad input', () => {
    it('answers a body over 64 KiB with 413, announced or streamed', async () => {
      const big = `grant_type=authorization_code&pad=${'a'.repeat(70 * 1024)}`;
      const announced = await tokenRequest(server.issuer, { pad: 'a'.repeat(70 * 1024) }, client);
      assert.equal(announced.status, 413);
      const streamed = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(big));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(streamed.status, 413);
      assert.equal((await streamed.json()).error, 'invalid_request');
    });

    it('answers a JSON body with 400 invalid_request', async () => {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code' }),
      });
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.error, 'invalid_request');
      assert.match(body.error_description, /application\/x-www-form-urlencoded/);
    });

    it('refuses a duplicated parameter', async () => {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&code=a&code=b',
      });
      const body = await response.json();
      assert.equal(body.error, 'invalid_request');
      assert.match(body.error_description, /code parameter is included more than once/);
    });

    it('refuses a missing or unsupported grant_type', async () => {
      const missing = await tokenRequest(server.issuer, {}, client);
      assert.equal((await missing.json()).error, 'invalid_request');
      const unsupported = await tokenRequest(server.issuer, { grant_type: 'password' }, client);
      assert.equal((await unsupported.json()).error, 'unsupported_grant_type');
    });

    it('refuses a body that is not UTF-8', async () => {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new Uint8Array([0x67, 0x3d, 0xff, 0xfe]),
      });
      assert.equal((await response.json()).error, 'invalid_request');
    });

    it('keeps serving after all of the above', async () => {
      const response = await fetch(`${server.issuer}/.well-known/openid-configuration`);
      assert.equal(response.status, 200);
      const obtained = await code();
      assert.equal((await tokenRequest(server.issuer, codeExchange(obtained), client)).status, 200);
    });
  });
});

describe('token endpoint, with a clock the test moves', () => {
  let server: TestServer;
  let now = Math.floor(Date.now() / 1000);

  before(async () => {
    server = await startTestServer({ now: () => now });
    await addUser(server.store, bob.username, bob.password);
  });
  after(() => server.close());

  it('refuses a code older than 60 seconds', async () => {
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    const obtained = await obtainCode(server.issuer, added.clientId, REDIRECT_URI, bob);
    now += 61;
    const response = await tokenRequest(server.issuer, codeExchange(obtained), {
      clientId: added.clientId,
      clientSecret: added.clientSecret!,
    });
    const body = await response.json();
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /expired/);
  });
});

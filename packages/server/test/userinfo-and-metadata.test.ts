import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuthorizationServer, MemoryStore } from '@codegrant/server';
import { generateKeyPair, SignJWT } from 'jose';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const erin = { username: 'erin', password: 'erin has a long password' };

describe('userinfo', () => {
  let server: TestServer;
  let client: { clientId: string; clientSecret: string };
  let tokens: { access_token: string; id_token: string };

  before(async () => {
    server = await startTestServer();
    await addUser(server.store, erin.username, erin.password, { email: 'erin@example.com', name: 'Erin' });
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    client = { clientId: added.clientId, clientSecret: added.clientSecret! };
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, erin, {
      scope: 'openid profile',
    });
    tokens = await (await tokenRequest(server.issuer, codeExchange(obtained), client)).json();
  });
  after(() => server.close());

  const userinfo = (init: RequestInit = {}) => fetch(`${server.issuer}/userinfo`, init);

  it('releases claims by scope: profile yes, email no', async () => {
    const response = await userinfo({ headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const claims = await response.json();
    assert.equal(claims.name, 'Erin');
    assert.equal(claims.preferred_username, 'erin');
    assert.equal(claims.email, undefined);
    const idClaims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.sub, idClaims.sub);
  });

  it('accepts the token in a POST body (RFC 6750 §2.2)', async () => {
    const response = await userinfo({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }),
    });
    assert.equal(response.status, 200);
  });

  it('answers no token with a bare Bearer challenge', async () => {
    const response = await userinfo();
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer realm="userinfo", DPoP algs="ES256 /);
  });

  it('refuses a token sent two ways', async () => {
    const response = await userinfo({
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ access_token: tokens.access_token }),
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error, 'invalid_request');
  });

  it('refuses a tampered token, an ID token, and a token signed by someone else', async () => {
    const [h, p, s] = tokens.access_token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url')}.${s}`;
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(payload)
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'at+jwt',
        kid: JSON.parse(Buffer.from(h!, 'base64url').toString()).kid,
      })
      .sign(privateKey);
    for (const token of [tampered, tokens.id_token, forged, 'not-a-jwt']) {
      const response = await userinfo({ headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 401, token.slice(0, 20));
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
    }
  });

  it('answers a token without openid with 403 insufficient_scope', async () => {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, erin, {
      scope: 'profile',
    });
    const oauthOnly = await (await tokenRequest(server.issuer, codeExchange(obtained), client)).json();
    assert.equal(oauthOnly.id_token, undefined, 'no openid, no ID token');
    const response = await userinfo({ headers: { authorization: `Bearer ${oauthOnly.access_token}` } });
    assert.equal(response.status, 403);
    assert.match(response.headers.get('www-authenticate')!, /insufficient_scope/);
  });

  it('allows CORS so that browser apps can call it', async () => {
    const preflight = await fetch(`${server.issuer}/userinfo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://spa.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers')!, /authorization/);
    const response = await userinfo({ headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
  });
});

describe('discovery and JWKS', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('serves the same metadata at both well-known URLs', async () => {
    const oidc = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
    const oauth = await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(oidc, oauth);
    assert.equal(oidc.issuer, server.issuer);
    assert.deepEqual(oidc.code_challenge_methods_supported, ['S256']);
    assert.equal(oidc.authorization_response_iss_parameter_supported, true);
    assert.equal(oidc.client_id_metadata_document_supported, true);
    assert.deepEqual(oidc.response_types_supported, ['code']);
    assert.deepEqual(oidc.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
    assert.equal(oidc.request_uri_parameter_supported, false);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) {
      assert.ok(oidc[endpoint].startsWith(server.issuer), endpoint);
    }
  });

  it('publishes one ES256 and one RS256 public key, no private parts', async () => {
    const { keys } = await (await fetch(`${server.issuer}/jwks`)).json();
    assert.deepEqual(keys.map((k: { alg: string }) => k.alg).sort(), ['ES256', 'RS256']);
    for (const key of keys) {
      assert.equal(key.use, 'sig');
      assert.ok(key.kid);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[secret], undefined);
    }
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${server.issuer}/nope`);
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error, 'not_found');
  });
});

describe('operations', () => {
  it('logs one structured line per request, with a request id', async () => {
    const records: Record<string, unknown>[] = [];
    const server = await createAuthorizationServer({
      issuer: 'http://localhost:4000',
      store: new MemoryStore(),
      logger: (record) => records.push(record),
    });
    await server.fetch(new Request('http://localhost:4000/jwks'));
    await server.fetch(new Request('http://localhost:4000/jwks'));
    assert.equal(records.length, 2);
    assert.equal(records[0]!.msg, 'request');
    assert.equal(records[0]!.path, '/jwks');
    assert.equal(records[0]!.status, 200);
    assert.match(String(records[0]!.request_id), /^[0-9a-f-]{36}$/);
    assert.notEqual(records[0]!.request_id, records[1]!.request_id);
    assert.equal(typeof records[0]!.duration_ms, 'number');
  });

  it('answers an internal failure with 500 server_error and a request id, logs it, and keeps serving', async () => {
    const records: Record<string, unknown>[] = [];
    // A store that fails is the one thing a real store will not do on demand.
    class FailingStore extends MemoryStore {
      override findClient(): never {
        throw new Error('disk on fire');
      }
    }
    const failing = new FailingStore();
    const server = await createAuthorizationServer({
      issuer: 'http://localhost:4000',
      store: failing,
      logger: (record) => records.push(record),
    });
    const response = await server.fetch(
      new Request('http://localhost:4000/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&client_id=x',
      }),
    );
    assert.equal(response.status, 500);
    const body = await response.json();
    assert.equal(body.error, 'server_error');
    const logged = records.find((r) => r.level === 'error')!;
    const requestId = String(logged.request_id);
    assert.ok(body.error_description.includes(requestId), 'the answer names the logged request id');
    assert.ok(!JSON.stringify(body).includes('disk on fire'), 'no internals leak');
    assert.match(String(logged.error), /disk on fire/);
    assert.equal((await server.fetch(new Request('http://localhost:4000/jwks'))).status, 200);
  });

  it('refuses an issuer that is not https (except on localhost) or has a query', async () => {
    const store = new MemoryStore();
    await assert.rejects(createAuthorizationServer({ issuer: 'http://id.example.com', store }), TypeError);
    await assert.rejects(
      createAuthorizationServer({ issuer: 'https://id.example.com?x=1', store }),
      TypeError,
    );
  });

  it('serves under an issuer with a path', async () => {
    const server = await createAuthorizationServer({
      issuer: 'https://example.com/auth',
      store: new MemoryStore(),
    });
    const response = await server.fetch(
      new Request('https://example.com/auth/.well-known/openid-configuration'),
    );
    const metadata = await response.json();
    assert.equal(metadata.issuer, 'https://example.com/auth');
    assert.equal(metadata.token_endpoint, 'https://example.com/auth/token');
  });

  it('serves the metadata of an issuer with a path at the RFC 8414 §3.1 inserted well-known URLs too', async () => {
    const server = await createAuthorizationServer({
      issuer: 'https://example.com/tenant/a',
      store: new MemoryStore(),
    });
    const get = (path: string, init?: RequestInit) =>
      server.fetch(new Request(`https://example.com${path}`, init));
    const appended = await (await get('/tenant/a/.well-known/openid-configuration')).json();
    for (const name of ['oauth-authorization-server', 'openid-configuration']) {
      const response = await get(`/.well-known/${name}/tenant/a`);
      assert.equal(response.status, 200, name);
      assert.equal(response.headers.get('access-control-allow-origin'), '*', name);
      assert.deepEqual(await response.json(), appended, name);
      const preflight = await get(`/.well-known/${name}/tenant/a`, {
        method: 'OPTIONS',
        headers: { origin: 'https://spa.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.status, 204, name);
      // Another tenant's path is not this issuer's: no metadata there.
      const other = await get(`/.well-known/${name}/tenant/b`);
      assert.equal(other.status, 404, name);
      assert.equal((await other.json()).error, 'not_found');
    }
    assert.equal((await get('/.well-known/oauth-authorization-server')).status, 404, 'no root metadata');
    assert.equal((await get('/tenant/a/jwks')).status, 200, 'the endpoints stay under the path');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  accessTokenErrorResponse,
  ClientError,
  protectedResourceMetadata,
  protectedResourceMetadataResponse,
  protectedResourceMetadataUrl,
  requireAccessToken,
} from '../src/index.ts';
import { type FakeIssuer, now, startFakeIssuer } from './helpers/fake-issuer.ts';

const MCP = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

describe('protected resource metadata (RFC 9728)', () => {
  it('builds the document with what the resource supports', () => {
    const { dpop_signing_alg_values_supported: algs, ...document } = protectedResourceMetadata({
      resource: MCP,
      authorizationServers: ['https://id.example.com'],
      scopesSupported: ['mcp:tools'],
      resourceName: 'Example MCP',
      dpop: 'required',
    });
    assert.ok(algs?.includes('ES256') && algs.includes('EdDSA') && !algs.includes('HS256'), String(algs));
    assert.deepEqual(document, {
      resource: MCP,
      authorization_servers: ['https://id.example.com'],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
      resource_name: 'Example MCP',
      dpop_bound_access_tokens_required: true,
    });
  });

  it('inserts the well-known path between host and path (§3.1)', () => {
    assert.equal(protectedResourceMetadataUrl(MCP).href, METADATA);
    assert.equal(
      protectedResourceMetadataUrl('https://api.example.com').href,
      'https://api.example.com/.well-known/oauth-protected-resource',
    );
    assert.equal(
      protectedResourceMetadataUrl('http://127.0.0.1:8080/a/b/').href,
      'http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/b',
    );
  });

  it('answers JSON, cacheable and readable cross-origin', async () => {
    const response = protectedResourceMetadataResponse({
      resource: MCP,
      authorizationServers: ['https://id.example.com'],
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^application\/json/);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.match(response.headers.get('cache-control')!, /max-age=/);
    assert.equal((await response.json()).resource, MCP);
  });

  it('refuses a resource that is not a URL, has a fragment, or has no authorization server', () => {
    assert.throws(() => protectedResourceMetadataUrl('mcp'), TypeError);
    assert.throws(() => protectedResourceMetadataUrl(`${MCP}#x`), /fragment/);
    assert.throws(() => protectedResourceMetadata({ resource: MCP, authorizationServers: [] }), TypeError);
  });
});

describe('requireAccessToken: the token, its audience, its scopes, and the challenges', () => {
  let op: FakeIssuer;
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());

  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({
      iss: op.issuer,
      sub: 'alice',
      aud: MCP,
      client_id: 'client-1',
      jti: crypto.randomUUID(),
      scope: 'mcp:tools',
      iat: now(),
      exp: now() + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', typ: 'at+jwt' })
      .sign(op.keys.ec.privateKey);
  const call = (headers: Record<string, string>, scopes?: string[]) =>
    requireAccessToken(op.as, new Request(MCP, { method: 'POST', headers }), MCP, { ...op.http, scopes });
  const answer = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClientError);
    return { err, response: accessTokenErrorResponse(err) };
  };

  it('returns the claims of a token with every scope the call needs', async () => {
    const claims = await call({ authorization: `Bearer ${await token()}` }, ['mcp:tools']);
    assert.equal(claims.sub, 'alice');
  });

  it('answers a request without a token 401 with resource_metadata and no error', async () => {
    const { response } = await answer(call({}));
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get('www-authenticate')!,
      new RegExp(`^Bearer resource_metadata="${METADATA}"`),
    );
    assert.doesNotMatch(response.headers.get('www-authenticate')!, /error=/);
    assert.equal(await response.text(), '');
  });

  it('answers a token for another audience 401 invalid_token, naming the metadata', async () => {
    const other = await token({ aud: 'https://other.example.com' });
    const { err, response } = await answer(call({ authorization: `Bearer ${other}` }));
    assert.equal(err.code, 'ERR_JWT_CLAIM');
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate')!;
    assert.match(challenge, /error="invalid_token"/);
    assert.match(challenge, new RegExp(`resource_metadata="${METADATA}"`));
    assert.equal((await response.json()).error, 'invalid_token');
  });

  it('answers a token lacking a scope 403 insufficient_scope with the scope to ask for', async () => {
    const { err, response } = await answer(
      call({ authorization: `Bearer ${await token()}` }, ['mcp:tools', 'mcp:admin']),
    );
    assert.equal(err.code, 'ERR_INSUFFICIENT_SCOPE');
    assert.equal(response.status, 403);
    const challenge = response.headers.get('www-authenticate')!;
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="mcp:tools mcp:admin"/);
    assert.match(challenge, new RegExp(`resource_metadata="${METADATA}"`));
    assert.deepEqual(await response.json(), {
      error: 'insufficient_scope',
      error_description: 'the access token lacks the scope mcp:admin',
    });
  });

  it('throws errors that are not the request’s again (answer those 5xx)', () => {
    const boom = new Error('bug');
    assert.throws(() => accessTokenErrorResponse(boom), /bug/);
    assert.throws(
      () => accessTokenErrorResponse(new ClientError('ERR_JWKS_UNAVAILABLE', 'no JWKS')),
      /no JWKS/,
    );
  });
});

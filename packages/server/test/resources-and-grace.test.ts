import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const API = 'https://api.example.com';
const MCP = 'https://mcp.example.com/mcp';
const kate = { username: 'kate', password: 'kate has a long password' };

/** A server with kate and a first-party confidential client, and openid-client configured for it. */
async function startWithClient(
  options: Parameters<typeof startTestServer>[0],
): Promise<{ server: TestServer; config: oidc.Configuration }> {
  const server = await startTestServer(options);
  await addUser(server.store, kate.username, kate.password);
  const client = await addClient(server.store, {
    redirectUris: [REDIRECT_URI],
    firstParty: true,
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  });
  const config = await oidc.discovery(
    new URL(server.issuer),
    client.clientId,
    client.clientSecret!,
    undefined,
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  return { server, config };
}

const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe('resource indicators (RFC 8707) with openid-client', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  before(async () => {
    ({ server, config } = await startWithClient({
      scopes: ['openid', 'profile', 'offline_access', 'api:read', 'api:write'],
      resources: { [API]: { scopes: ['api:read', 'api:write'] }, [MCP]: {} },
    }));
  });
  after(() => server.close());

  async function grantFor(resources: string[], scope: string) {
    const verifier = oidc.randomPKCECodeVerifier();
    const params = new URLSearchParams({
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    for (const resource of resources) params.append('resource', resource);
    const { callbackUrl } = await signIn(
      new TestBrowser(),
      oidc.buildAuthorizationUrl(config, params),
      REDIRECT_URI,
      kate,
    );
    return { callbackUrl, verifier };
  }

  it('issues a token for the resource: aud is it, scopes are those it accepts', async () => {
    const { callbackUrl, verifier } = await grantFor([API], 'openid api:read offline_access');
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
    const access = payload(tokens.access_token);
    assert.equal(access.aud, API);
    assert.equal(access.scope, 'api:read');
    assert.ok(tokens.id_token, 'the ID token is unaffected');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(payload(refreshed.access_token).aud, API);
  });

  it('narrows to one of several granted resources at the token endpoint, and refuses others', async () => {
    const { callbackUrl, verifier } = await grantFor([API, MCP], 'openid api:read');
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callbackUrl,
      { pkceCodeVerifier: verifier },
      { resource: MCP },
    );
    assert.equal(payload(tokens.access_token).aud, MCP);

    const second = await grantFor([API], 'openid');
    await assert.rejects(
      oidc.authorizationCodeGrant(
        config,
        second.callbackUrl,
        { pkceCodeVerifier: second.verifier },
        { resource: MCP },
      ),
      (error: oidc.ResponseBodyError) => error.error === 'invalid_target',
    );
  });

  it('refuses an unknown resource at the authorization endpoint with invalid_target', async () => {
    const { callbackUrl } = await grantFor(['https://unknown.example.com'], 'openid');
    assert.equal(callbackUrl.searchParams.get('error'), 'invalid_target');
  });

  it('gives client credentials tokens for a configured resource', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api:write', resource: API });
    assert.equal(payload(tokens.access_token).aud, API);
    assert.equal(tokens.scope, 'api:write');
  });
});

describe('a default resource (tokens audience-bound when a client omits resource)', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  before(async () => {
    ({ server, config } = await startWithClient({
      scopes: ['openid', 'offline_access', 'mcp:tools', 'api:read'],
      resources: { [MCP]: { scopes: ['mcp:tools', 'offline_access'] }, [API]: {} },
      defaultResource: MCP,
    }));
  });
  after(() => server.close());

  async function tokensFor(resource: string | undefined) {
    const verifier = oidc.randomPKCECodeVerifier();
    const params = new URLSearchParams({
      redirect_uri: REDIRECT_URI,
      scope: 'openid mcp:tools offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    if (resource) params.set('resource', resource);
    const { callbackUrl } = await signIn(
      new TestBrowser(),
      oidc.buildAuthorizationUrl(config, params),
      REDIRECT_URI,
      kate,
    );
    return oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
  }

  it('binds the tokens of a request without resource to the default resource, refreshes included', async () => {
    const tokens = await tokensFor(undefined);
    const access = payload(tokens.access_token);
    assert.equal(access.aud, MCP);
    assert.equal(access.scope, 'mcp:tools offline_access', 'the default resource policy applies');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(payload(refreshed.access_token).aud, MCP);
  });

  it('leaves a request that names a resource alone', async () => {
    const tokens = await tokensFor(API);
    assert.equal(payload(tokens.access_token).aud, API);
  });

  it('binds client credentials tokens without resource to the default resource', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'mcp:tools' });
    assert.equal(payload(tokens.access_token).aud, MCP);
  });

  it('refuses a default resource that is not configured', async () => {
    await assert.rejects(
      startTestServer({ resources: { [API]: {} }, defaultResource: MCP }),
      /defaultResource: https:\/\/mcp.example.com\/mcp is not one of the configured resources/,
    );
  });
});

describe('refresh tokens for plain OAuth 2.0 requests (no openid scope, as MCP clients send)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ scopes: ['openid', 'offline_access', 'mcp:tools'] });
    await addUser(server.store, kate.username, kate.password);
  });
  after(() => server.close());

  const tokensFor = async (grantTypes: string[], scope: string) => {
    const added = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      grantTypes,
    });
    const client = { clientId: added.clientId, clientSecret: added.clientSecret! };
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, kate, { scope });
    return (await tokenRequest(server.issuer, codeExchange(obtained), client)).json();
  };

  it('issues one to a client registered for the refresh_token grant, without offline_access', async () => {
    const tokens = await tokensFor(['authorization_code', 'refresh_token'], 'mcp:tools');
    assert.ok(tokens.refresh_token, JSON.stringify(tokens));
    assert.equal(tokens.id_token, undefined);
  });

  it('issues none to a client without the refresh_token grant', async () => {
    const tokens = await tokensFor(['authorization_code'], 'mcp:tools');
    assert.ok(tokens.access_token);
    assert.equal(tokens.refresh_token, undefined);
  });

  it('still needs offline_access for an OpenID Connect request (OIDC Core §11)', async () => {
    const tokens = await tokensFor(['authorization_code', 'refresh_token'], 'openid mcp:tools');
    assert.ok(tokens.id_token);
    assert.equal(tokens.refresh_token, undefined);
  });
});

describe('refresh rotation grace period', () => {
  let server: TestServer;
  let now = Math.floor(Date.now() / 1000);
  let client: { clientId: string; clientSecret: string };

  before(async () => {
    server = await startTestServer({ refreshTokenGraceSeconds: 10, now: () => now });
    await addUser(server.store, kate.username, kate.password);
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    client = { clientId: added.clientId, clientSecret: added.clientSecret! };
  });
  after(() => server.close());

  async function refreshToken(): Promise<string> {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, kate);
    return (await (await tokenRequest(server.issuer, codeExchange(obtained), client)).json()).refresh_token;
  }
  const refresh = (token: string) =>
    tokenRequest(server.issuer, { grant_type: 'refresh_token', refresh_token: token }, client).then((r) =>
      r.json(),
    );

  it('gives two parallel refreshes the same successor instead of revoking the grant', async () => {
    const token = await refreshToken();
    const [a, b] = await Promise.all([refresh(token), refresh(token)]);
    assert.ok(a.refresh_token && b.refresh_token, JSON.stringify([a, b]));
    assert.equal(a.refresh_token, b.refresh_token);
    assert.notEqual(a.access_token, b.access_token);
    const next = await refresh(a.refresh_token);
    assert.ok(next.refresh_token, 'the successor works');
  });

  it('treats a retry after the grace period as reuse, and revokes the grant', async () => {
    const token = await refreshToken();
    const first = await refresh(token);
    now += 11;
    assert.equal((await refresh(token)).error, 'invalid_grant');
    assert.equal((await refresh(first.refresh_token)).error, 'invalid_grant', 'the grant is revoked');
  });

  it('treats a retry after the successor was used as reuse', async () => {
    const token = await refreshToken();
    const first = await refresh(token);
    await refresh(first.refresh_token);
    assert.equal((await refresh(token)).error, 'invalid_grant');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const grace = { username: 'grace', password: 'grace has a long password' };

describe('revocation, introspection and client credentials, with openid-client', () => {
  let server: TestServer;
  let client: { clientId: string; clientSecret: string };
  let config: oidc.Configuration;

  before(async () => {
    server = await startTestServer({ scopes: ['openid', 'profile', 'email', 'offline_access', 'api:read'] });
    await addUser(server.store, grace.username, grace.password);
    const added = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
    client = { clientId: added.clientId, clientSecret: added.clientSecret! };
    config = await oidc.discovery(new URL(server.issuer), client.clientId, client.clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  after(() => server.close());

  async function freshTokens(): Promise<{ access_token: string; refresh_token: string }> {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, grace);
    return (await tokenRequest(server.issuer, codeExchange(obtained), client)).json();
  }

  it('advertises the endpoints', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.revocation_endpoint, `${server.issuer}/revoke`);
    assert.equal(metadata.introspection_endpoint, `${server.issuer}/introspect`);
    assert.ok(metadata.grant_types_supported?.includes('client_credentials'));
  });

  it('introspects an access token and a refresh token', async () => {
    const tokens = await freshTokens();
    const access = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(access.active, true);
    assert.equal(access.client_id, client.clientId);
    assert.equal(access.token_type, 'Bearer');
    assert.equal(access.scope, 'openid profile offline_access');
    assert.equal(access.iss, server.issuer);
    assert.equal(typeof access.exp, 'number');
    const refresh = await oidc.tokenIntrospection(config, tokens.refresh_token);
    assert.equal(refresh.active, true);
    assert.equal(refresh.sub, access.sub);
    assert.equal(refresh.token_type, 'refresh_token');
  });

  it('answers active:false for garbage, tampered and foreign refresh tokens', async () => {
    const tokens = await freshTokens();
    assert.deepEqual(await oidc.tokenIntrospection(config, 'garbage'), { active: false });
    assert.deepEqual(await oidc.tokenIntrospection(config, `${tokens.access_token}x`), { active: false });
    const other = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const otherConfig = await oidc.discovery(
      new URL(server.issuer),
      other.clientId,
      other.clientSecret!,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    assert.deepEqual(await oidc.tokenIntrospection(otherConfig, tokens.refresh_token), { active: false });
    assert.equal(
      (await oidc.tokenIntrospection(otherConfig, tokens.access_token)).active,
      true,
      'a resource server may',
    );
  });

  it('refuses introspection by a public client or an unauthenticated caller', async () => {
    const pub = await addClient(server.store, { redirectUris: [REDIRECT_URI], public: true });
    const response = await fetch(`${server.issuer}/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: pub.clientId, token: 'x' }),
    });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error, 'invalid_client');
  });

  it('revoking a refresh token revokes its grant: the access token dies too', async () => {
    const tokens = await freshTokens();
    await oidc.tokenRevocation(config, tokens.refresh_token);
    assert.deepEqual(await oidc.tokenIntrospection(config, tokens.refresh_token), { active: false });
    assert.deepEqual(await oidc.tokenIntrospection(config, tokens.access_token), { active: false });
    const userinfo = await fetch(`${server.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(userinfo.status, 401);
    const refresh = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      client,
    );
    assert.equal((await refresh.json()).error, 'invalid_grant');
  });

  it('revoking an access token revokes its grant: the refresh token dies too', async () => {
    const tokens = await freshTokens();
    await oidc.tokenRevocation(config, tokens.access_token);
    assert.deepEqual(await oidc.tokenIntrospection(config, tokens.refresh_token), { active: false });
  });

  it("answers 200 for unknown tokens and another client's tokens, revoking nothing", async () => {
    const tokens = await freshTokens();
    await oidc.tokenRevocation(config, 'unknown-token');
    const other = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const otherConfig = await oidc.discovery(
      new URL(server.issuer),
      other.clientId,
      other.clientSecret!,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    await oidc.tokenRevocation(otherConfig, tokens.refresh_token);
    assert.equal((await oidc.tokenIntrospection(config, tokens.refresh_token)).active, true, 'still alive');
  });

  it('refuses revocation without credentials or without a token', async () => {
    const anonymous = await fetch(`${server.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    });
    assert.equal(anonymous.status, 401);
    const noToken = await fetch(`${server.issuer}/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: '',
    });
    assert.equal(noToken.status, 400);
    assert.equal((await noToken.json()).error, 'invalid_request');
  });

  it('issues client credentials tokens for the client itself, which introspect but cannot be revoked', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api:read' });
    assert.equal(tokens.scope, 'api:read');
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.id_token, undefined);
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.sub, client.clientId);
    assert.equal(introspected.active, true);
    await assert.rejects(
      oidc.tokenRevocation(config, tokens.access_token),
      (error: oidc.ResponseBodyError) => error.error === 'unsupported_token_type',
    );
  });

  it('refuses client credentials for user scopes, unknown scopes, unregistered or public clients', async () => {
    for (const scope of ['openid', 'api:write']) {
      await assert.rejects(
        oidc.clientCredentialsGrant(config, { scope }),
        (error: oidc.ResponseBodyError) => error.error === 'invalid_scope',
        scope,
      );
    }
    const unregistered = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const response = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials' },
      {
        clientId: unregistered.clientId,
        clientSecret: unregistered.clientSecret!,
      },
    );
    assert.equal((await response.json()).error, 'unauthorized_client');
    const pub = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      public: true,
      grantTypes: ['client_credentials'],
    });
    const publicResponse = await tokenRequest(server.issuer, {
      grant_type: 'client_credentials',
      client_id: pub.clientId,
    });
    assert.equal((await publicResponse.json()).error, 'unauthorized_client');
  });
});

/**
 * Token exchange for delegation (RFC 8693): an agent holding a user's access token for one API
 * exchanges it for a token to another API, acting for the user. openid-client's and
 * @codegrant/client's `genericGrantRequest` as the agent; the policy hook, the `act` claim (nested
 * on a second hop), DPoP, revocation through the user's grant, and every refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as codegrant from '@codegrant/client';
import type { TokenExchangeRequest } from '@codegrant/server';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { codeExchange, obtainCode, tokenRequest } from './helpers/codes.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const CALENDAR = 'https://calendar.example.com';
const MAIL = 'https://mail.example.com';
const FORBIDDEN = 'https://payroll.example.com';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const alice = { username: 'alice', password: 'alice has a long password' };

describe('token exchange (RFC 8693)', () => {
  let server: TestServer;
  let aliceId: string;
  let app: { clientId: string; clientSecret: string };
  let agent: { clientId: string; clientSecret: string };
  let agentConfig: oidc.Configuration;
  const policyCalls: TokenExchangeRequest[] = [];

  before(async () => {
    server = await startTestServer({
      scopes: ['openid', 'profile', 'offline_access', 'calendar', 'mail'],
      resources: { [CALENDAR]: {}, [MAIL]: {}, [FORBIDDEN]: {} },
      tokenExchange: {
        policy: (request) => {
          policyCalls.push(request);
          // This deployment's rule: nobody acts for a user towards payroll.
          return request.audience !== FORBIDDEN;
        },
      },
    });
    aliceId = await addUser(server.store, alice.username, alice.password);
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    app = { clientId: added.clientId, clientSecret: added.clientSecret! };
    const agentAdded = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      name: 'Assistant',
      grantTypes: [TOKEN_EXCHANGE, 'client_credentials'],
    });
    agent = { clientId: agentAdded.clientId, clientSecret: agentAdded.clientSecret! };
    agentConfig = await oidc.discovery(
      new URL(server.issuer),
      agent.clientId,
      agent.clientSecret,
      oidc.ClientSecretBasic(agent.clientSecret),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
  });
  after(() => server.close());

  /** Alice signs in to the app, which gets a token for the calendar API (and a refresh token). */
  async function aliceCalendarTokens(): Promise<{ access_token: string; refresh_token: string }> {
    const obtained = await obtainCode(server.issuer, app.clientId, REDIRECT_URI, alice, {
      scope: 'openid calendar mail offline_access',
      extra: { resource: CALENDAR },
    });
    const response = await tokenRequest(server.issuer, codeExchange(obtained, { resource: CALENDAR }), app);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as { access_token: string; refresh_token: string };
  }

  async function claimsOf(token: string): Promise<jose.JWTPayload> {
    const jwks = jose.createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    return (await jose.jwtVerify(token, jwks, { issuer: server.issuer })).payload;
  }

  it('advertises the grant type', () => {
    assert.ok(agentConfig.serverMetadata().grant_types_supported?.includes(TOKEN_EXCHANGE));
  });

  it('exchanges a user’s token for one to another API, acting for the user (openid-client)', async () => {
    const { access_token: subjectToken } = await aliceCalendarTokens();
    const exchanged = await oidc.genericGrantRequest(agentConfig, TOKEN_EXCHANGE, {
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      resource: MAIL,
      scope: 'mail',
    });
    assert.equal(exchanged.issued_token_type, ACCESS_TOKEN);
    assert.equal(exchanged.token_type.toLowerCase(), 'bearer');
    assert.equal(exchanged.refresh_token, undefined);
    const claims = await claimsOf(exchanged.access_token);
    assert.equal(claims.sub, aliceId, 'still the user');
    assert.equal(claims.aud, MAIL);
    assert.equal(claims.scope, 'mail');
    assert.equal(claims.client_id, agent.clientId);
    assert.deepEqual(claims.act, { sub: agent.clientId, client_id: agent.clientId });
    const policy = policyCalls.at(-1)!;
    assert.equal(policy.client.clientId, agent.clientId);
    assert.equal(policy.subject.sub, aliceId);
    assert.deepEqual(policy.scopes, ['mail']);

    await server.server.flushAuditLog();
    const [event] = await server.store.listAuditEvents({ type: 'token', limit: 1, newestFirst: true });
    assert.deepEqual(
      [event?.userId, event?.clientId, event?.details.grant_type],
      [aliceId, agent.clientId, TOKEN_EXCHANGE],
    );
  });

  it('nests act on a second hop, and names an actor_token’s subject (@codegrant/client)', async () => {
    const { access_token: subjectToken } = await aliceCalendarTokens();
    const config = await codegrant.discovery(
      new URL(server.issuer),
      agent.clientId,
      agent.clientSecret,
      codegrant.ClientSecretBasic(agent.clientSecret),
      {
        execute: [codegrant.allowInsecureRequests],
      },
    );
    const first = await codegrant.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      resource: MAIL,
    });
    const own = await codegrant.clientCredentialsGrant(config, { scope: 'mail' });
    const second = await codegrant.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: first.access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: own.access_token,
      actor_token_type: ACCESS_TOKEN,
      resource: CALENDAR,
      scope: 'calendar',
    });
    const claims = await claimsOf(second.access_token);
    assert.equal(claims.sub, aliceId);
    assert.deepEqual(claims.act, {
      sub: agent.clientId,
      client_id: agent.clientId,
      act: { sub: agent.clientId, client_id: agent.clientId },
    });
  });

  it('binds the new token to the caller’s DPoP key', async () => {
    const { access_token: subjectToken } = await aliceCalendarTokens();
    const DPoP = oidc.getDPoPHandle(agentConfig, await oidc.randomDPoPKeyPair('ES256'));
    const exchanged = await oidc.genericGrantRequest(
      agentConfig,
      TOKEN_EXCHANGE,
      { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, resource: MAIL },
      { DPoP },
    );
    assert.equal(exchanged.token_type.toLowerCase(), 'dpop');
    assert.ok((await claimsOf(exchanged.access_token)).cnf);
  });

  it('is revoked with the user’s grant', async () => {
    const tokens = await aliceCalendarTokens();
    const exchanged = await oidc.genericGrantRequest(agentConfig, TOKEN_EXCHANGE, {
      subject_token: tokens.access_token,
      subject_token_type: ACCESS_TOKEN,
      resource: MAIL,
    });
    const claims = await claimsOf(exchanged.access_token);
    assert.ok(claims.gid, 'the user’s grant');
    const revoke = await fetch(`${server.issuer}/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.refresh_token }),
    });
    assert.equal(revoke.status, 200);
    const again = await oidc
      .genericGrantRequest(agentConfig, TOKEN_EXCHANGE, {
        subject_token: exchanged.access_token,
        subject_token_type: ACCESS_TOKEN,
        resource: CALENDAR,
      })
      .catch((error: unknown) => error);
    assert.ok(again instanceof oidc.ResponseBodyError);
    assert.equal(again.error, 'invalid_grant', 'the delegated token died with the grant');
  });

  it('refuses: by policy, scopes beyond the subject token, a bad subject token, other token types, clients not registered for it', async () => {
    const { access_token: subjectToken } = await aliceCalendarTokens();
    const refused = async (
      parameters: Record<string, string>,
      error: string,
      credentials: { clientId: string; clientSecret: string } = agent,
    ) => {
      const response = await tokenRequest(
        server.issuer,
        { grant_type: TOKEN_EXCHANGE, ...parameters },
        credentials,
      );
      const body = (await response.json()) as { error: string };
      assert.equal(body.error, error, JSON.stringify(body));
    };
    const subject = { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN };
    await refused({ ...subject, resource: FORBIDDEN }, 'invalid_grant');
    await refused({ ...subject, resource: MAIL, scope: 'mail profile' }, 'invalid_scope');
    await refused({ ...subject, resource: 'https://unknown.example.com' }, 'invalid_target');
    await refused({ subject_token: `${subjectToken}x`, subject_token_type: ACCESS_TOKEN }, 'invalid_grant');
    await refused(
      { subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' },
      'invalid_request',
    );
    await refused(
      { ...subject, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
      'invalid_request',
    );
    await refused({ subject_token_type: ACCESS_TOKEN }, 'invalid_request');
    await refused(subject, 'unauthorized_client', app);
  });

  it('is off unless enabled', async () => {
    const plain = await startTestServer();
    try {
      const client = await addClient(plain.store, {
        redirectUris: [REDIRECT_URI],
        grantTypes: [TOKEN_EXCHANGE],
      });
      const response = await tokenRequest(
        plain.issuer,
        { grant_type: TOKEN_EXCHANGE, subject_token: 'x', subject_token_type: ACCESS_TOKEN },
        { clientId: client.clientId, clientSecret: client.clientSecret! },
      );
      assert.equal(((await response.json()) as { error: string }).error, 'unsupported_grant_type');
      const metadata = (await (await fetch(`${plain.issuer}/.well-known/openid-configuration`)).json()) as {
        grant_types_supported: string[];
      };
      assert.ok(!metadata.grant_types_supported.includes(TOKEN_EXCHANGE));
    } finally {
      await plain.close();
    }
  });
});

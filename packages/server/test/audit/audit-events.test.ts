/**
 * The audit log, event by event, on a real server and SQLite file: what each action records (type,
 * outcome, reason, account, client, address), that refusals say why, and that no password, code,
 * token or secret is ever written into it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type AuditEventRecord,
  type AuditQuery,
  createAuthorizationServer,
  MemoryStore,
} from '@codegrant/server';
import { TestBrowser } from '../helpers/browser.ts';
import { codeExchange, obtainCode, tokenRequest } from '../helpers/codes.ts';
import { signIn } from '../helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from '../helpers/test-server.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const hedy = { username: 'hedy', password: 'hedy has a long password' };
const INITIAL_ACCESS_TOKEN = 'initial-access-token-of-at-least-32-characters';

describe('audit log events', () => {
  let server: TestServer;
  let hedyId: string;
  let client: { clientId: string; clientSecret: string };
  /** Every credential the tests used: none may appear in the audit log. */
  const secrets: string[] = [hedy.password, INITIAL_ACCESS_TOKEN];

  before(async () => {
    server = await startTestServer({
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      registration: { initialAccessToken: INITIAL_ACCESS_TOKEN },
    });
    hedyId = await addUser(server.store, hedy.username, hedy.password);
    const added = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    client = { clientId: added.clientId, clientSecret: added.clientSecret! };
    secrets.push(client.clientSecret);
  });
  after(async () => {
    // Whatever the tests did, no secret reached the log.
    const everything = JSON.stringify(await server.store.listAuditEvents({ limit: 10_000 }));
    for (const secret of secrets) assert.ok(!everything.includes(secret), 'a secret is in the audit log');
    await server.close();
  });

  /** The events matching `query`, newest first, after writing what waits in memory. */
  async function events(query: Omit<AuditQuery, 'limit'>, limit = 20): Promise<AuditEventRecord[]> {
    await server.server.flushAuditLog();
    return server.store.listAuditEvents({ ...query, limit, newestFirst: true });
  }

  /** The parts of events a test asserts on. */
  function summary(list: AuditEventRecord[]) {
    return list.map(({ type, outcome, reason, userId, clientId }) => ({
      type,
      outcome,
      reason,
      userId,
      clientId,
    }));
  }

  it('records a sign-in, the consent and the token issued, with the client and the address', async () => {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, hedy);
    secrets.push(obtained.code, obtained.verifier);
    const response = await tokenRequest(server.issuer, codeExchange(obtained), client);
    assert.equal(response.status, 200);
    const tokens = (await response.json()) as Record<string, string>;
    secrets.push(tokens.access_token!, tokens.refresh_token!, tokens.id_token!);

    const recorded = await events({ userId: hedyId }, 3);
    assert.deepEqual(summary(recorded), [
      { type: 'token', outcome: 'success', reason: null, userId: hedyId, clientId: client.clientId },
      { type: 'consent', outcome: 'success', reason: null, userId: hedyId, clientId: client.clientId },
      { type: 'sign_in', outcome: 'success', reason: null, userId: hedyId, clientId: client.clientId },
    ]);
    assert.deepEqual(recorded[0]!.details, { grant_type: 'authorization_code' });
    assert.deepEqual(recorded[1]!.details, { scope: 'openid profile offline_access' });
    assert.deepEqual(recorded[2]!.details, { method: 'password' });
    for (const event of recorded) {
      assert.equal(event.ip, '127.0.0.1');
      assert.ok(Math.abs(event.time - Date.now() / 1000) < 60);
    }
  });

  it('records failed sign-ins with their reason: wrong password, unknown user (without the name typed)', async () => {
    const browser = new TestBrowser();
    const url = `${server.issuer}/authorize?${new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;
    await assert.rejects(
      signIn(browser, url, REDIRECT_URI, { username: 'hedy', password: 'not her password' }),
    );
    await assert.rejects(
      signIn(new TestBrowser(), url, REDIRECT_URI, {
        username: 'nobody-typed-this',
        password: 'whatever it is',
      }),
    );
    const failures = await events({ type: 'sign_in', outcome: 'failure' }, 2);
    assert.deepEqual(summary(failures), [
      {
        type: 'sign_in',
        outcome: 'failure',
        reason: 'unknown_user',
        userId: null,
        clientId: client.clientId,
      },
      {
        type: 'sign_in',
        outcome: 'failure',
        reason: 'wrong_password',
        userId: hedyId,
        clientId: client.clientId,
      },
    ]);
    const everything = JSON.stringify(await events({}, 1000));
    assert.ok(!everything.includes('nobody-typed-this'));
    assert.ok(!everything.includes('not her password'));
  });

  it('records a refused token request with its OAuth error, and a replayed code as an attack', async () => {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, hedy);
    secrets.push(obtained.code);
    const wrongVerifier = await tokenRequest(
      server.issuer,
      codeExchange(obtained, { code_verifier: 'x'.repeat(43) }),
      client,
    );
    assert.equal(wrongVerifier.status, 400);
    assert.equal((await tokenRequest(server.issuer, codeExchange(obtained), client)).status, 200);
    assert.equal((await tokenRequest(server.issuer, codeExchange(obtained), client)).status, 400);

    const recorded = await events({ type: 'token' }, 3);
    assert.deepEqual(summary(recorded), [
      {
        type: 'token.code_replay',
        outcome: 'failure',
        reason: 'invalid_grant',
        userId: hedyId,
        clientId: client.clientId,
      },
      { type: 'token', outcome: 'success', reason: null, userId: hedyId, clientId: client.clientId },
      { type: 'token', outcome: 'failure', reason: 'invalid_grant', userId: null, clientId: client.clientId },
    ]);
  });

  it('records a failed client authentication without naming the client it claimed to be', async () => {
    const response = await tokenRequest(
      server.issuer,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI },
      { clientId: client.clientId, clientSecret: 'not the secret of this client' },
    );
    assert.equal(response.status, 401);
    const [refused] = await events({ type: 'token', outcome: 'failure' }, 1);
    assert.equal(refused?.reason, 'invalid_client');
    assert.equal(refused?.clientId, null, 'an unauthenticated client_id is anyone’s claim');
  });

  it('records refresh token rotation, and reuse of a rotated token as an attack', async () => {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, hedy);
    const tokens = (await (await tokenRequest(server.issuer, codeExchange(obtained), client)).json()) as {
      refresh_token: string;
    };
    secrets.push(tokens.refresh_token);
    const refresh = () =>
      tokenRequest(
        server.issuer,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        client,
      );
    assert.equal((await refresh()).status, 200);
    assert.equal((await refresh()).status, 400);
    const recorded = await events({ type: 'token' }, 2);
    assert.deepEqual(summary(recorded), [
      {
        type: 'token.refresh_reuse',
        outcome: 'failure',
        reason: 'invalid_grant',
        userId: hedyId,
        clientId: client.clientId,
      },
      { type: 'token', outcome: 'success', reason: null, userId: hedyId, clientId: client.clientId },
    ]);
    assert.deepEqual(recorded[1]!.details, { grant_type: 'refresh_token' });
  });

  it('records a revocation at the revocation endpoint', async () => {
    const obtained = await obtainCode(server.issuer, client.clientId, REDIRECT_URI, hedy);
    const tokens = (await (await tokenRequest(server.issuer, codeExchange(obtained), client)).json()) as {
      refresh_token: string;
    };
    const response = await fetch(`${server.issuer}/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.refresh_token }),
    });
    assert.equal(response.status, 200);
    const [revoked] = await events({ type: 'revocation' }, 1);
    assert.deepEqual(summary([revoked!]), [
      { type: 'revocation', outcome: 'success', reason: null, userId: hedyId, clientId: client.clientId },
    ]);
    assert.deepEqual(revoked!.details, { token_type: 'refresh_token' });
  });

  it('records consent refused and a disabled account’s refusal', async () => {
    const otherApp = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const denied = await obtainCode(server.issuer, otherApp.clientId, REDIRECT_URI, {
      ...hedy,
      consent: 'deny',
    }).catch((error: unknown) => error);
    assert.ok(denied instanceof Error, 'no code after a refusal');
    const [consent] = await events({ type: 'consent' }, 1);
    assert.equal(consent?.outcome, 'failure');
    assert.equal(consent?.reason, 'access_denied');
    assert.equal(consent?.clientId, otherApp.clientId);

    const lisa = { username: 'lisa', password: 'lisa has a long password' };
    const lisaId = await addUser(server.store, lisa.username, lisa.password);
    const user = (await server.store.findUserById(lisaId))!;
    await server.store.updateUser({ ...user, disabledAt: Math.floor(Date.now() / 1000) });
    await assert.rejects(obtainCode(server.issuer, client.clientId, REDIRECT_URI, lisa));
    const [refused] = await events({ userId: lisaId }, 1);
    assert.deepEqual(summary([refused!]), [
      { type: 'sign_in', outcome: 'failure', reason: 'disabled', userId: lisaId, clientId: client.clientId },
    ]);
  });

  it('records dynamic registrations, and refusals of a wrong initial access token', async () => {
    const register = (token: string) =>
      fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: 'Registered' }),
      });
    const registered = (await (await register(INITIAL_ACCESS_TOKEN)).json()) as Record<string, string>;
    secrets.push(registered.client_secret!, registered.registration_access_token!);
    assert.equal((await register('wrong-initial-access-token-of-32-characters')).status, 401);
    const recorded = await events({ type: 'registration' }, 2);
    assert.deepEqual(summary(recorded), [
      { type: 'registration', outcome: 'failure', reason: 'invalid_token', userId: null, clientId: null },
      {
        type: 'registration',
        outcome: 'success',
        reason: null,
        userId: null,
        clientId: registered.client_id!,
      },
    ]);
  });
});

describe('audit log retention and off', () => {
  it('deletes events older than the retention at the periodic sweep, and keeps the rest', async () => {
    const clock = { now: Math.floor(Date.now() / 1000) };
    const server = await startTestServer({ audit: { retentionDays: 1 }, now: () => clock.now });
    try {
      const client = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
      const refused = () =>
        tokenRequest(
          server.issuer,
          { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI },
          {
            clientId: client.clientId,
            clientSecret: client.clientSecret!,
          },
        );
      assert.equal((await refused()).status, 400);
      clock.now += 86_400 + 1;
      assert.equal((await refused()).status, 400);
      await server.server.flushAuditLog();
      assert.equal((await server.store.listAuditEvents({ limit: 10 })).length, 2);
      await server.server.sweep();
      const kept = await server.store.listAuditEvents({ limit: 10 });
      assert.deepEqual(
        kept.map((event) => event.time),
        [clock.now],
        'the day-old event is gone',
      );
    } finally {
      await server.close();
    }
  });

  it('records nothing with audit: false', async () => {
    const server = await startTestServer({ audit: false });
    try {
      const response = await tokenRequest(
        server.issuer,
        { grant_type: 'client_credentials' },
        {
          clientId: 'nobody',
          clientSecret: 'nothing',
        },
      );
      assert.equal(response.status, 401);
      await server.server.flushAuditLog();
      assert.deepEqual(await server.store.listAuditEvents({ limit: 10 }), []);
    } finally {
      await server.close();
    }
  });

  it('refuses a retention that is not a whole number of days', async () => {
    await assert.rejects(
      createAuthorizationServer({
        issuer: 'https://id.example.com',
        store: new MemoryStore(),
        audit: { retentionDays: 1.5 },
      }),
      /retentionDays/,
    );
  });
});

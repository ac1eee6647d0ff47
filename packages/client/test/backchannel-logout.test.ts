/**
 * Back-channel logout, the relying party's side (OpenID Connect Back-Channel Logout 1.0 §2.5-2.8):
 * oidc-provider, with `features.backchannelLogout` on, posts a logout token to an HTTP endpoint of
 * this test when the end-user signs out there, and `processBackchannelLogoutRequest` validates it.
 * Then crafted tokens, one flaw each, signed by the keys of a fake issuer (or by one it does not
 * publish), are refused by `validateLogoutToken`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  ClientError,
  type Configuration,
  calculatePKCECodeChallenge,
  clockTolerance,
  discovery,
  type LogoutTokenClaims,
  processBackchannelLogoutRequest,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  validateLogoutToken,
} from '../src/index.ts';
import { CLIENT_ID, type FakeIssuer, now, startFakeIssuer } from './helpers/fake-issuer.ts';
import { REDIRECT_URI, signInAtOidcProvider } from './helpers/oidc-provider.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const RP = { client_id: 'rp', client_secret: 'rp-secret-0123456789abcdef0123456789abcdef' };

/** What the relying party's endpoint made of each logout request. */
type Outcome = { claims: LogoutTokenClaims } | { error: ClientError };

describe('back-channel logout against oidc-provider', () => {
  let provider: Server;
  let endpoint: Server;
  let issuer: string;
  let config: Configuration;
  const outcomes: Outcome[] = [];
  /** The bodies posted to the endpoint, as received. */
  const bodies: string[] = [];
  const seenJti = new Set<string>();
  /** The relying party's replay hook: a jti is accepted once. */
  const rememberJti = (jti: string) => !seenJti.has(jti) && Boolean(seenJti.add(jti));

  before(async () => {
    // The relying party's back-channel logout endpoint, answering as §2.8 says.
    endpoint = createServer(async (incoming, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      const request = new Request(`http://rp.test${incoming.url}`, {
        method: incoming.method,
        headers: incoming.headers as Record<string, string>,
        body: incoming.method === 'POST' ? Buffer.concat(chunks) : null,
      });
      try {
        const claims = await processBackchannelLogoutRequest(config, request, { rememberJti });
        outcomes.push({ claims });
        response.writeHead(200, { 'cache-control': 'no-store' }).end();
      } catch (error) {
        outcomes.push({ error: error as ClientError });
        response
          .writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' })
          .end('{"error":"invalid_request"}');
      }
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const logoutUri = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/backchannel-logout`;

    provider = createServer();
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    const ec = await generateKeyPair('ES256', { extractable: true });
    const { warn, info } = console;
    console.warn = console.info = () => {};
    try {
      const op = new Provider(issuer, {
        clients: [
          {
            ...RP,
            redirect_uris: [REDIRECT_URI],
            post_logout_redirect_uris: [REDIRECT_URI],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            id_token_signed_response_alg: 'ES256',
            backchannel_logout_uri: logoutUri,
            backchannel_logout_session_required: true,
          },
        ],
        jwks: { keys: [{ ...(await exportJWK(ec.privateKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }] },
        cookies: { keys: ['a-cookie-signing-key-for-the-tests-0123'] },
        findAccount: async (_ctx: unknown, sub: string) => ({
          accountId: sub,
          claims: async () => ({ sub }),
        }),
        pkce: { required: () => true },
        // oidc-provider refuses to post to loopback addresses (its SSRF guard, in the dispatcher it
        // passes): the relying party of this test is on 127.0.0.1.
        fetch: (url: URL | string, { dispatcher: _, ...options }: RequestInit & { dispatcher?: unknown }) =>
          fetch(url, options),
        features: {
          devInteractions: { enabled: true },
          backchannelLogout: { enabled: true },
          rpInitiatedLogout: { enabled: true },
        },
      });
      provider.on('request', op.callback());
    } finally {
      console.warn = warn;
      console.info = info;
    }
    config = await discovery(new URL(issuer), RP.client_id, RP.client_secret, undefined, {
      execute: [allowInsecureRequests],
    });
  });
  after(async () => {
    for (const server of [provider, endpoint]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sees back-channel logout advertised, with sessions', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.backchannel_logout_supported, true);
    assert.equal(metadata.backchannel_logout_session_supported, true);
  });

  it('accepts the logout token oidc-provider posts when the user signs out there, naming the session', async () => {
    const browser = new TestBrowser();
    const verifier = randomPKCECodeVerifier();
    const state = randomState();
    const nonce = randomNonce();
    const url = buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await signInAtOidcProvider(url, 'alice', REDIRECT_URI, browser);
    const tokens = await authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const idToken = tokens.claims()!;
    assert.equal(typeof idToken.sid, 'string', 'oidc-provider puts sid in the ID token');

    // RP-initiated logout at oidc-provider: it asks, the user confirms, it tells the RP.
    const ask = await browser.fetch(
      `${issuer}/session/end?id_token_hint=${encodeURIComponent(tokens.id_token!)}`,
    );
    const html = await ask.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(action && xsrf, html.slice(0, 500));
    await browser.postForm(new URL(action, issuer), { xsrf, logout: 'yes' });

    for (let waited = 0; outcomes.length === 0; waited += 20) {
      if (waited > 5000) assert.fail('no logout request came');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(outcomes.length, 1);
    const [outcome] = outcomes;
    assert.ok(outcome && 'claims' in outcome, String((outcome as { error?: Error }).error));
    const { claims } = outcome;
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, RP.client_id);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.sid, idToken.sid, 'the session of the ID token');
    assert.deepEqual(claims.events, { [EVENT]: {} });
    assert.equal(claims.nonce, undefined);
    assert.ok(seenJti.has(claims.jti), 'the replay hook saw its jti');
  });

  it('refuses a request that is not a form POST with one logout_token, and a replayed token', async () => {
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      new Request('http://rp.test/backchannel-logout', {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
    for (const request of [
      new Request('http://rp.test/backchannel-logout?logout_token=x'),
      post(JSON.stringify({ logout_token: 'x' }), 'application/json'),
      post(''),
      post('logout_token=a&logout_token=b'),
    ]) {
      await assert.rejects(
        processBackchannelLogoutRequest(config, request),
        (error: ClientError) => error.code === 'ERR_TOKEN_MISSING',
      );
    }
    // oidc-provider's token, posted again: the relying party's hook knows its jti.
    assert.equal(bodies.length, 1);
    await assert.rejects(
      processBackchannelLogoutRequest(config, post(bodies[0]!), { rememberJti }),
      (error: ClientError) => error.code === 'ERR_JWT_REPLAY',
    );
  });
});

describe('logout token validation (Back-Channel Logout 1.0 §2.6), crafted tokens', () => {
  let op: FakeIssuer;
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());

  /** A logout token: valid claims for the fake issuer's client, overridden by `claims`. */
  function logoutToken(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key?: CryptoKey,
  ): Promise<string> {
    const payload: JWTPayload = {
      iss: op.issuer,
      aud: CLIENT_ID,
      iat: now(),
      exp: now() + 120,
      jti: `jti-${Math.random()}`,
      sub: 'alice',
      sid: 'session-1',
      events: { [EVENT]: {} },
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', typ: 'logout+jwt', ...header } as { alg: string })
      .sign(key ?? op.keys.ec.privateKey);
  }

  const validate = async (token: string | Promise<string>, checks = {}, client = op.client) =>
    validateLogoutToken(op.as, client, await token, checks, op.http);

  /** Asserts that `token` is refused with `code`, its message matching `message`. */
  async function refused(token: Promise<string>, code: string, message: RegExp, client = op.client) {
    await assert.rejects(validate(token, {}, client), (error: ClientError) => {
      assert.ok(error instanceof ClientError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    });
  }

  it('accepts a valid token: typed, untyped, or typed JWT (as some servers send), with sub, sid or both', async () => {
    assert.equal((await validate(logoutToken())).sid, 'session-1');
    await validate(logoutToken({}, { typ: undefined }));
    await validate(logoutToken({}, { typ: 'JWT' }));
    await validate(logoutToken({}, { typ: 'application/logout+jwt' }));
    assert.equal((await validate(logoutToken({ sid: undefined }))).sub, 'alice');
    assert.equal((await validate(logoutToken({ sub: undefined }))).sid, 'session-1');
    // RS256, the key chosen by kid.
    await validate(logoutToken({}, { alg: 'RS256', kid: 'rsa-1' }, op.keys.rsa.privateKey));
  });

  it('refuses a token for another audience', async () => {
    await refused(logoutToken({ aud: 'another-client' }), 'ERR_JWT_CLAIM', /aud/);
    await refused(logoutToken({ aud: [CLIENT_ID, 'another'], azp: 'another' }), 'ERR_JWT_CLAIM', /azp/);
  });

  it('refuses a token of another issuer', async () => {
    await refused(logoutToken({ iss: 'https://evil.example' }), 'ERR_JWT_CLAIM', /iss/);
  });

  it('refuses a token carrying a nonce (an ID token passed off as a logout token)', async () => {
    await refused(logoutToken({ nonce: 'n-1' }), 'ERR_JWT_CLAIM', /nonce/);
  });

  it('refuses a token without the back-channel logout event', async () => {
    await refused(logoutToken({ events: undefined }), 'ERR_JWT_CLAIM', /events/);
    await refused(logoutToken({ events: {} }), 'ERR_JWT_CLAIM', /events/);
    await refused(logoutToken({ events: { [EVENT]: true } }), 'ERR_JWT_CLAIM', /events/);
    await refused(logoutToken({ events: [EVENT] }), 'ERR_JWT_CLAIM', /events/);
  });

  it('refuses a token naming no one (neither sub nor sid), or without jti', async () => {
    await refused(logoutToken({ sub: undefined, sid: undefined }), 'ERR_JWT_CLAIM', /neither sub nor sid/);
    await refused(logoutToken({ sid: 42 }), 'ERR_JWT_CLAIM', /sid/);
    await refused(logoutToken({ jti: undefined }), 'ERR_JWT_CLAIM', /jti/);
  });

  it('refuses an expired token, and one issued in the future, within the clock tolerance', async () => {
    await refused(logoutToken({ iat: now() - 600, exp: now() - 60 }), 'ERR_JWT_EXPIRED', /expired/);
    await refused(logoutToken({ iat: now() + 600, exp: now() + 720 }), 'ERR_JWT_TIME', /iat/);
    await refused(logoutToken({ exp: undefined }), 'ERR_JWT_CLAIM', /exp/);
    // 20 s late is within the default 30 s tolerance; not within 10 s.
    const late = logoutToken({ iat: now() - 140, exp: now() - 20 });
    await validate(late);
    await refused(late, 'ERR_JWT_EXPIRED', /expired/, { ...op.client, [clockTolerance]: 10 });
  });

  it('refuses a token signed by another key, or altered after signing', async () => {
    await refused(logoutToken({}, {}, op.keys.rogue.privateKey), 'ERR_JWT_SIGNATURE', /signature/);
    const [header, , signature] = (await logoutToken()).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: op.issuer, aud: CLIENT_ID, sub: 'bob' })).toString(
      'base64url',
    );
    await refused(Promise.resolve(`${header}.${forged}.${signature}`), 'ERR_JWT_SIGNATURE', /signature/);
  });

  it('refuses alg none, an alg other than the registered one, and a typ of another kind of JWT', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: op.issuer, aud: CLIENT_ID, sub: 'alice', events: { [EVENT]: {} } }),
    ).toString('base64url')}.`;
    await refused(Promise.resolve(unsigned), 'ERR_JWT_ALG', /alg/);
    await refused(
      logoutToken({}, { alg: 'RS256', kid: 'rsa-1' }, op.keys.rsa.privateKey),
      'ERR_JWT_ALG',
      /alg/,
      { ...op.client, id_token_signed_response_alg: 'ES256' },
    );
    await refused(logoutToken({}, { typ: 'at+jwt' }), 'ERR_JWT_INVALID', /typ/);
    await refused(logoutToken({}, { typ: 'secevent+jwt' }), 'ERR_JWT_INVALID', /typ/);
  });

  it('asks the replay hook last, with jti and exp, and refuses a replay', async () => {
    const token = await logoutToken({ jti: 'jti-once' });
    const seen: unknown[] = [];
    const claims = await validate(token, {
      rememberJti: (jti: string, exp: number) => seen.push([jti, exp]) > 0,
    });
    assert.deepEqual(seen, [['jti-once', claims.exp]]);
    await assert.rejects(
      validate(token, { rememberJti: () => false }),
      (error: ClientError) => error.code === 'ERR_JWT_REPLAY',
    );
    // A token refused for another reason never reaches the hook.
    await refused(logoutToken({ nonce: 'n' }), 'ERR_JWT_CLAIM', /nonce/);
    let asked = false;
    await assert.rejects(
      validate(logoutToken({ nonce: 'n' }), {
        rememberJti: () => {
          asked = true;
          return true;
        },
      }),
    );
    assert.equal(asked, false);
  });
});

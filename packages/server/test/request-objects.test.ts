/**
 * Signed request objects (JAR, RFC 9101) on our server, with openid-client as the relying party:
 * the flow by value and pushed to /par, parameters outside the object ignored, and every refusal
 * (unsigned, signed by another key, for another audience, expired, another client_id, a client
 * without keys).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const alice = { username: 'alice', password: 'correct horse battery staple' };

describe('signed request objects (JAR)', () => {
  let server: TestServer;
  let clientId: string;
  let clientSecret: string;
  let config: oidc.Configuration;
  let signingKey: CryptoKey;

  before(async () => {
    server = await startTestServer();
    await addUser(server.store, alice.username, alice.password);
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    signingKey = pair.privateKey;
    const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'jar-1', alg: 'ES256', use: 'sig' };
    const added = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      jwks: JSON.stringify({ keys: [publicJwk] }),
    });
    clientId = added.clientId;
    clientSecret = added.clientSecret!;
    config = await oidc.discovery(
      new URL(server.issuer),
      clientId,
      clientSecret,
      oidc.ClientSecretBasic(clientSecret),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
  });
  after(() => server.close());

  async function request(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    return {
      checks: { pkceCodeVerifier: verifier, expectedState: state },
      parameters: {
        redirect_uri: REDIRECT_URI,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        ...extra,
      },
    };
  }

  /** A request object signed as `sign` says, for the authorize URL. */
  async function signed(
    claims: Record<string, unknown>,
    sign: {
      key?: CryptoKey | Uint8Array;
      alg?: string;
      typ?: string;
      aud?: string;
      exp?: string | number;
    } = {},
  ): Promise<string> {
    return new jose.SignJWT({ response_type: 'code', client_id: clientId, ...claims })
      .setProtectedHeader({ alg: sign.alg ?? 'ES256', typ: sign.typ ?? 'oauth-authz-req+jwt' })
      .setIssuer(clientId)
      .setAudience(sign.aud ?? server.issuer)
      .setIssuedAt()
      .setExpirationTime(sign.exp ?? '5m')
      .sign(sign.key ?? signingKey);
  }

  async function authorizeWith(requestObject: string, extra: Record<string, string> = {}) {
    return new TestBrowser().fetch(
      `${server.issuer}/authorize?${new URLSearchParams({ client_id: clientId, request: requestObject, ...extra })}`,
    );
  }

  it('advertises request objects and their algorithms', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.request_parameter_supported, true);
    assert.ok(metadata.request_object_signing_alg_values_supported?.includes('ES256'));
    assert.ok(!metadata.request_object_signing_alg_values_supported?.includes('none'));
  });

  it('runs the code flow with openid-client’s buildAuthorizationUrlWithJAR', async () => {
    const { parameters, checks } = await request();
    const url = await oidc.buildAuthorizationUrlWithJAR(config, parameters, {
      key: signingKey,
      kid: 'jar-1',
    });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request']);
    const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, checks);
    assert.equal(tokens.scope, 'openid profile');
  });

  it('uses only the parameters inside the object', async () => {
    const { parameters } = await request();
    const response = await authorizeWith(await signed(parameters), {
      redirect_uri: 'https://evil.example/cb',
      scope: 'openid email offline_access',
    });
    assert.equal(response.status, 303);
    assert.match(
      response.headers.get('location') ?? '',
      /\/interaction\//,
      'to sign in, not to the other redirect URI',
    );
  });

  it('takes a request object pushed to /par', async () => {
    const { parameters, checks } = await request();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, { request: await signed(parameters) });
    const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
    assert.ok((await oidc.authorizationCodeGrant(config, callbackUrl, checks)).access_token);
  });

  it('refuses unsigned, wrongly signed, foreign, expired and mismatched request objects, on a page', async () => {
    const { parameters } = await request();
    const refused = async (requestObject: string, reason: RegExp) => {
      const response = await authorizeWith(requestObject);
      assert.equal(response.status, 400);
      const page = await response.text();
      assert.match(page, reason);
    };
    const unsigned = `${jose.base64url.encode(JSON.stringify({ alg: 'none' }))}.${jose.base64url.encode(
      JSON.stringify({
        ...parameters,
        iss: clientId,
        aud: server.issuer,
        exp: Math.floor(Date.now() / 1000) + 60,
      }),
    )}.`;
    await refused(unsigned, /request object/);
    const otherKey = (await jose.generateKeyPair('ES256')).privateKey;
    await refused(
      await signed(parameters, { key: otherKey }),
      /signature verification failed|no applicable key/i,
    );
    await refused(
      await signed(parameters, { key: new TextEncoder().encode(clientSecret), alg: 'HS256' }),
      /alg|algorithm/i,
    );
    await refused(await signed(parameters, { aud: 'https://another-server.example' }), /aud/);
    await refused(await signed(parameters, { exp: Math.floor(Date.now() / 1000) - 10 }), /exp/);
    await refused(await signed(parameters, { exp: '2h' }), /within 3600 seconds/);
    await refused(await signed({ ...parameters, client_id: 'someone-else' }), /client_id differs/);
    await refused(await signed(parameters, { typ: 'JWT+id' }), /typ/);
    await refused('not-a-jwt', /request object/);

    const keyless = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const response = await new TestBrowser().fetch(
      `${server.issuer}/authorize?${new URLSearchParams({ client_id: keyless.clientId, request: await signed(parameters) })}`,
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /registered no keys/);
  });
});

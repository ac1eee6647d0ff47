import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import { signIn } from '../../server/test/helpers/sign-in.ts';
import {
  addClient,
  addUser,
  startTestServer,
  type TestServer,
} from '../../server/test/helpers/test-server.ts';
import {
  allowHttp,
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  ClientError,
  ClientSecretBasic,
  type Configuration,
  calculatePKCECodeChallenge,
  discovery,
  fetchUserInfo,
  None,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  validateJwtAccessToken,
} from '../src/index.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const alice = { username: 'alice', password: 'correct horse battery staple' };
const execute = [allowInsecureRequests];

/** One code flow against our server, the browser answering its login and consent pages. */
async function codeFlow(config: Configuration, extra: Record<string, string> = {}, maxAge?: number) {
  const verifier = randomPKCECodeVerifier();
  const state = randomState();
  const nonce = randomNonce();
  const url = buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
  return authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    maxAge,
  });
}

describe('end to end against @codegrant/server', () => {
  let server: TestServer;
  let aliceId: string;
  before(async () => {
    server = await startTestServer();
    aliceId = await addUser(server.store, alice.username, alice.password, {
      email: 'alice@example.com',
      name: 'Alice',
    });
  });
  after(() => server.close());

  it('confidential client (client_secret_post, the default): code grant, userinfo, refresh', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await discovery(new URL(server.issuer), clientId, clientSecret, undefined, { execute });
    const tokens = await codeFlow(config);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, aliceId);
    assert.equal(claims.aud, clientId);
    assert.equal(typeof claims.at_hash, 'string');
    assert.ok(tokens.refresh_token);

    const userinfo = await fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(userinfo.email, 'alice@example.com');

    const refreshed = await refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      expectedSubject: claims.sub,
    });
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
    await assert.rejects(
      refreshTokenGrant(config, tokens.refresh_token!),
      (err: unknown) => err instanceof ClientError && err.error === 'invalid_grant',
    );
  });

  it('confidential client with client_secret_basic and max_age', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await discovery(new URL(server.issuer), clientId, clientSecret, ClientSecretBasic(), {
      execute,
    });
    const tokens = await codeFlow(config, { max_age: '300' }, 300);
    assert.equal(typeof tokens.claims()!.auth_time, 'number');
  });

  it('public client: PKCE, no secret', async () => {
    const { clientId } = await addClient(server.store, { redirectUris: [REDIRECT_URI], public: true });
    const config = await discovery(new URL(server.issuer), clientId, undefined, None(), { execute });
    const tokens = await codeFlow(config);
    assert.equal(tokens.claims()!.aud, clientId);
  });

  it('its JWT access tokens pass validateJwtAccessToken (aud = the issuer by default)', async () => {
    const { clientId, clientSecret } = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    const config = await discovery(new URL(server.issuer), clientId, clientSecret, undefined, { execute });
    const tokens = await codeFlow(config);
    const request = new Request('https://api.example/things', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = await validateJwtAccessToken(config.serverMetadata(), request, server.issuer, {
      [allowHttp]: true,
    });
    assert.equal(claims.sub, aliceId);
    assert.equal(claims.client_id, clientId);
  });
});

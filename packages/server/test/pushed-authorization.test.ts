/**
 * Pushed authorization requests (RFC 9126) on our server, with openid-client as the relying party:
 * the whole flow, the per-client and global requirement, DPoP binding at the PAR endpoint, and
 * every refusal (replayed, expired or foreign request_uri; request_uri pushed; bad client
 * authentication; an invalid request, refused at once as JSON).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { TestBrowser } from './helpers/browser.ts';
import { configureOpenidClient } from './helpers/openid-client.ts';
import { signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const alice = { username: 'alice', password: 'correct horse battery staple' };

/** The parameters of an authorization request, with what redeems its code. */
async function authorizationRequest(extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  return {
    checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
    parameters: {
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    },
  };
}

/** POSTs a form to /par with Basic credentials; the response. */
function push(
  issuer: string,
  clientId: string,
  clientSecret: string,
  body: Record<string, string>,
): Promise<Response> {
  return fetch(`${issuer}/par`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams(body),
  });
}

describe('pushed authorization requests (PAR)', () => {
  let server: TestServer;
  const clock = { now: Math.floor(Date.now() / 1000) };
  let app: { clientId: string; clientSecret: string };
  let config: oidc.Configuration;

  before(async () => {
    server = await startTestServer({ now: () => clock.now });
    await addUser(server.store, alice.username, alice.password);
    const added = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    app = { clientId: added.clientId, clientSecret: added.clientSecret! };
    config = await configureOpenidClient(server.issuer, app.clientId, app.clientSecret);
  });
  after(() => server.close());

  it('advertises its endpoint, not required by default', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.pushed_authorization_request_endpoint, `${server.issuer}/par`);
    assert.equal(metadata.require_pushed_authorization_requests, false);
  });

  it('runs the code flow with openid-client’s buildAuthorizationUrlWithPAR', async () => {
    const { parameters, checks } = await authorizationRequest();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, parameters);
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, checks);
    assert.equal(tokens.claims()?.aud, app.clientId);
    assert.equal(tokens.scope, 'openid profile');
  });

  it('answers 201 with a request_uri for 60 seconds; uses only the pushed parameters', async () => {
    const { parameters } = await authorizationRequest();
    const response = await push(server.issuer, app.clientId, app.clientSecret, parameters);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const { request_uri: requestUri, expires_in: expiresIn } = (await response.json()) as Record<
      string,
      string
    >;
    assert.match(requestUri!, /^urn:ietf:params:oauth:request_uri:[\w-]{43}$/);
    assert.equal(expiresIn, 60);
    // A scope sent beside the request_uri is ignored: the pushed request is what the client authenticated.
    const url = `${server.issuer}/authorize?${new URLSearchParams({ client_id: app.clientId, request_uri: requestUri!, scope: 'openid email offline_access' })}`;
    const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
    assert.equal(callbackUrl.searchParams.get('state'), parameters.state);
    const code = callbackUrl.searchParams.get('code');
    assert.ok(code);
    const grant = (
      await server.store.listUserGrants((await server.store.findUserByUsername('alice'))!.id, clock.now)
    ).at(-1);
    assert.deepEqual(grant?.scopes, ['openid', 'profile']);
  });

  it('refuses a request_uri used twice, expired, or pushed by another client, on a page', async () => {
    const { parameters } = await authorizationRequest();
    const pushed = async () =>
      (
        (await (await push(server.issuer, app.clientId, app.clientSecret, parameters)).json()) as {
          request_uri: string;
        }
      ).request_uri;
    const authorize = (clientId: string, requestUri: string) =>
      new TestBrowser().fetch(
        `${server.issuer}/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`,
      );

    const once = await pushed();
    assert.equal((await authorize(app.clientId, once)).status, 303);
    const replayed = await authorize(app.clientId, once);
    assert.equal(replayed.status, 400);
    assert.match(await replayed.text(), /request_uri is unknown, expired, already used/);

    const other = await addClient(server.store, { redirectUris: [REDIRECT_URI] });
    assert.equal((await authorize(other.clientId, await pushed())).status, 400, 'another client’s');

    const late = await pushed();
    clock.now += 61;
    try {
      assert.equal((await authorize(app.clientId, late)).status, 400, 'expired');
    } finally {
      // Back to real time: DPoP proofs in later tests carry the real clock's iat.
      clock.now -= 61;
    }
  });

  it('refuses bad pushes as JSON: a request_uri pushed, bad credentials, an invalid request, another client_id', async () => {
    const { parameters } = await authorizationRequest();
    const refused = async (response: Response, status: number, error: string) => {
      assert.equal(response.status, status);
      assert.equal(((await response.json()) as { error: string }).error, error);
    };
    await refused(
      await push(server.issuer, app.clientId, app.clientSecret, { ...parameters, request_uri: 'urn:x' }),
      400,
      'invalid_request',
    );
    await refused(
      await push(server.issuer, app.clientId, 'not the secret', parameters),
      401,
      'invalid_client',
    );
    await refused(
      await push(server.issuer, app.clientId, app.clientSecret, {
        ...parameters,
        redirect_uri: 'https://evil.example/cb',
      }),
      400,
      'invalid_request',
    );
    await refused(
      await push(server.issuer, app.clientId, app.clientSecret, { ...parameters, response_type: 'token' }),
      400,
      'unsupported_response_type',
    );
    await refused(
      await push(server.issuer, app.clientId, app.clientSecret, { ...parameters, client_id: 'someone-else' }),
      400,
      'invalid_request',
    );
  });

  it('binds the code to the DPoP key of the push (RFC 9449 §10.1)', async () => {
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const { parameters, checks } = await authorizationRequest();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, parameters, { DPoP });
    const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
    const withoutKey = await oidc
      .authorizationCodeGrant(config, callbackUrl, checks)
      .catch((error: unknown) => error);
    assert.ok(withoutKey instanceof oidc.ResponseBodyError);
    assert.equal(withoutKey.error, 'invalid_grant', 'the code needs the pushed key');
  });

  it('requires PAR of a client that asks for it, and of all with the server option', async () => {
    const strict = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      requirePushedAuthorizationRequests: true,
    });
    const strictConfig = await configureOpenidClient(server.issuer, strict.clientId, strict.clientSecret);
    const { parameters } = await authorizationRequest();
    const plain = await new TestBrowser().fetch(oidc.buildAuthorizationUrl(strictConfig, parameters));
    assert.equal(plain.status, 303);
    const sentBack = new URL(plain.headers.get('location')!);
    assert.equal(sentBack.searchParams.get('error'), 'invalid_request');
    assert.match(sentBack.searchParams.get('error_description') ?? '', /pushed/);
    const pushedUrl = await oidc.buildAuthorizationUrlWithPAR(strictConfig, parameters);
    assert.equal((await new TestBrowser().fetch(pushedUrl)).status, 303);

    const everyone = await startTestServer({ requirePushedAuthorizationRequests: true });
    try {
      const client = await addClient(everyone.store, { redirectUris: [REDIRECT_URI] });
      const everyoneConfig = await configureOpenidClient(
        everyone.issuer,
        client.clientId,
        client.clientSecret,
      );
      assert.equal(everyoneConfig.serverMetadata().require_pushed_authorization_requests, true);
      const refused = await new TestBrowser().fetch(oidc.buildAuthorizationUrl(everyoneConfig, parameters));
      assert.equal(new URL(refused.headers.get('location')!).searchParams.get('error'), 'invalid_request');
    } finally {
      await everyone.close();
    }
  });
});

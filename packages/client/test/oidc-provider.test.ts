import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DPoPOptions } from '../src/index.ts';
import {
  allowHttp,
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildAuthorizationUrlWithJAR,
  buildAuthorizationUrlWithPAR,
  buildEndSessionUrl,
  ClientError,
  ClientSecretBasic,
  type Configuration,
  calculatePKCECodeChallenge,
  clientCredentialsGrant,
  customFetch,
  discovery,
  dynamicClientRegistration,
  fetchProtectedResource,
  fetchUserInfo,
  genericGrantRequest,
  getDPoPHandle,
  None,
  randomDPoPKeyPair,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  tokenIntrospection,
  tokenRevocation,
  validateJwtAccessToken,
} from '../src/index.ts';
import {
  API,
  CONFIDENTIAL,
  JAR,
  PUBLIC,
  REDIRECT_URI,
  SERVICE,
  signInAtOidcProvider,
  startOidcProvider,
  type TestProvider,
} from './helpers/oidc-provider.ts';

const execute = [allowInsecureRequests];

/** One authorization code flow with PKCE, state and nonce, the login driven over HTTP. */
async function codeFlow(config: Configuration, extra: Record<string, string> = {}, options?: DPoPOptions) {
  const verifier = randomPKCECodeVerifier();
  const state = randomState();
  const nonce = randomNonce();
  const url = buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'consent',
    ...extra,
  });
  const callback = await signInAtOidcProvider(url);
  return authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
    undefined,
    options,
  );
}

describe('end to end against oidc-provider', () => {
  let op: TestProvider;
  before(async () => {
    op = await startOidcProvider();
  });
  after(() => op.close());

  it('confidential client: code grant (basic auth), userinfo, refresh, introspection, revocation', async () => {
    const config = await discovery(
      new URL(op.issuer),
      CONFIDENTIAL.client_id,
      CONFIDENTIAL.client_secret,
      ClientSecretBasic(),
      { execute },
    );
    assert.equal(config.serverMetadata().authorization_response_iss_parameter_supported, true);
    const tokens = await codeFlow(config);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, CONFIDENTIAL.client_id);
    assert.equal(tokens.token_type, 'bearer');
    assert.ok(tokens.refresh_token);
    assert.ok(tokens.expiresIn()! > 0);

    const userinfo = await fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(userinfo.email, 'alice@example.com');

    const refreshed = await refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      expectedSubject: claims.sub,
    });
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.claims()?.sub, 'alice');

    assert.equal((await tokenIntrospection(config, refreshed.access_token)).active, true);
    await tokenRevocation(config, refreshed.access_token, { token_type_hint: 'access_token' });
    assert.equal((await tokenIntrospection(config, refreshed.access_token)).active, false);

    await tokenRevocation(config, refreshed.refresh_token!);
    await assert.rejects(refreshTokenGrant(config, refreshed.refresh_token!), (err: unknown) => {
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'ERR_SERVER_ERROR');
      assert.equal(err.error, 'invalid_grant');
      assert.equal(err.status, 400);
      return true;
    });
  });

  it('public client: code grant with PKCE and no secret', async () => {
    const config = await discovery(new URL(op.issuer), PUBLIC.client_id, undefined, None(), { execute });
    const tokens = await codeFlow(config);
    assert.equal(tokens.claims()!.aud, PUBLIC.client_id);
    assert.ok(tokens.refresh_token);
    const refreshed = await refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
  });

  it('form_post callback: the POST request the browser makes', async () => {
    const config = await discovery(
      new URL(op.issuer),
      CONFIDENTIAL.client_id,
      CONFIDENTIAL.client_secret,
      ClientSecretBasic(),
      { execute },
    );
    const tokens = await codeFlow(config, { response_mode: 'form_post' });
    assert.equal(tokens.claims()!.sub, 'alice');
  });

  it('the server refuses a wrong PKCE verifier: its error is exposed', async () => {
    const config = await discovery(new URL(op.issuer), PUBLIC.client_id, undefined, None(), { execute });
    const state = randomState();
    const url = buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await calculatePKCECodeChallenge(randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await signInAtOidcProvider(url);
    await assert.rejects(
      authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: randomPKCECodeVerifier(),
        expectedState: state,
      }),
      (err: unknown) =>
        err instanceof ClientError &&
        err.error === 'invalid_grant' &&
        /token endpoint answered HTTP 400 invalid_grant/.test(err.message),
    );
  });

  it('genericGrantRequest sends any grant type and reads its answer like the others', async () => {
    const config = await discovery(new URL(op.issuer), SERVICE.client_id, SERVICE.client_secret, undefined, {
      execute,
    });
    const tokens = await genericGrantRequest(config, 'client_credentials', {
      scope: 'api:read',
      resource: API,
    });
    assert.equal(tokens.token_type, 'bearer');
    assert.ok((tokens.expiresIn() ?? 0) > 0);
    const refused = await genericGrantRequest(config, 'urn:example:unknown-grant', {}).catch(
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ClientError);
    assert.equal(refused.error, 'unsupported_grant_type');
  });

  it('client credentials grant, and a JWT access token an API validates', async () => {
    const config = await discovery(new URL(op.issuer), SERVICE.client_id, SERVICE.client_secret, undefined, {
      execute,
    });
    const plain = await clientCredentialsGrant(config);
    assert.equal(plain.token_type, 'bearer');
    const tokens = await clientCredentialsGrant(config, { scope: 'api:read', resource: API });
    const as = config.serverMetadata();
    const request = new Request(`${API}/things`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = await validateJwtAccessToken(as, request, API, { [allowHttp]: true });
    assert.equal(claims.client_id, SERVICE.client_id);
    assert.equal(claims.scope, 'api:read');
    await assert.rejects(
      validateJwtAccessToken(as, request, 'https://other.example', { [allowHttp]: true }),
      { code: 'ERR_JWT_CLAIM' },
    );
  });

  it('DPoP: code grant, userinfo and refresh with nonces the server requires', async () => {
    const config = await discovery(
      new URL(op.issuer),
      CONFIDENTIAL.client_id,
      CONFIDENTIAL.client_secret,
      ClientSecretBasic(),
      { execute },
    );
    const DPoP = getDPoPHandle(config, await randomDPoPKeyPair());
    const tokens = await codeFlow(config, { dpop_jkt: await DPoP.calculateThumbprint() }, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    assert.equal((await fetchUserInfo(config, tokens.access_token, 'alice', { DPoP })).sub, 'alice');
    const refreshed = await refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      DPoP,
      expectedSubject: 'alice',
    });
    assert.equal(refreshed.token_type, 'dpop');
    const introspected = await tokenIntrospection(config, refreshed.access_token);
    assert.equal(introspected.cnf?.jkt, await DPoP.calculateThumbprint());
  });

  it('DPoP: a DPoP-bound JWT access token, sent with fetchProtectedResource, validated by the API', async () => {
    const config = await discovery(new URL(op.issuer), SERVICE.client_id, SERVICE.client_secret, undefined, {
      execute,
    });
    const DPoP = getDPoPHandle(config, await randomDPoPKeyPair());
    const tokens = await clientCredentialsGrant(config, { scope: 'api:read', resource: API }, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    const as = config.serverMetadata();
    // The API, in process: the client's request goes to it through customFetch.
    config[customFetch] = async (url, init) => {
      const request = new Request(url, init as RequestInit);
      try {
        const claims = await validateJwtAccessToken(as, request, API, {
          [allowHttp]: true,
          requireDPoP: true,
        });
        return Response.json({ hello: claims.client_id });
      } catch (err) {
        const { status, wwwAuthenticate } = err as ClientError;
        return new Response(null, {
          status: status ?? 500,
          headers: wwwAuthenticate ? { 'www-authenticate': wwwAuthenticate } : {},
        });
      }
    };
    const response = await fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(`${API}/things`),
      'GET',
      undefined,
      undefined,
      { DPoP },
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { hello: SERVICE.client_id });
    const bearer = await fetchProtectedResource(config, tokens.access_token, new URL(`${API}/things`), 'GET');
    assert.equal(bearer.status, 401);
    assert.match(bearer.headers.get('www-authenticate')!, /^DPoP error="invalid_token"/);
  });

  it('registers a client dynamically, then uses it', async () => {
    const config = await dynamicClientRegistration(
      new URL(op.issuer),
      {
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
      },
      undefined,
      { execute },
    );
    const tokens = await codeFlow(config);
    assert.equal(tokens.claims()!.aud, config.clientMetadata().client_id);
  });

  it('builds an end-session URL the server accepts', async () => {
    const config = await discovery(new URL(op.issuer), PUBLIC.client_id, undefined, None(), { execute });
    const url = buildEndSessionUrl(config, { post_logout_redirect_uri: REDIRECT_URI });
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /logout/i);
  });

  it('pushes the authorization request first (PAR, RFC 9126): the URL carries only client_id and request_uri', async () => {
    const config = await discovery(
      new URL(op.issuer),
      CONFIDENTIAL.client_id,
      CONFIDENTIAL.client_secret,
      ClientSecretBasic(CONFIDENTIAL.client_secret),
      { execute },
    );
    assert.equal(config.serverMetadata().pushed_authorization_request_endpoint, `${op.issuer}/request`);
    const verifier = randomPKCECodeVerifier();
    const state = randomState();
    const nonce = randomNonce();
    const url = await buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      prompt: 'consent',
    });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.match(url.searchParams.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/);
    const callback = await signInAtOidcProvider(url);
    const tokens = await authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    assert.equal(tokens.claims()?.sub, 'alice');
  });

  it('pushes a public client’s request bound to its DPoP key, learning the nonce on the way', async () => {
    const config = await discovery(new URL(op.issuer), PUBLIC.client_id, undefined, None(), { execute });
    const DPoP = getDPoPHandle(config, await randomDPoPKeyPair('ES256'));
    const verifier = randomPKCECodeVerifier();
    const state = randomState();
    const url = await buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        prompt: 'consent',
      },
      { DPoP },
    );
    const callback = await signInAtOidcProvider(url);
    const tokens = await authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: verifier, expectedState: state },
      undefined,
      {
        DPoP,
      },
    );
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  });

  /** The client that signs its requests, configured by discovery. */
  const jarClient = () =>
    discovery(new URL(op.issuer), JAR.client_id, JAR.client_secret, ClientSecretBasic(JAR.client_secret), {
      execute,
    });

  it('signs the authorization request (JAR, RFC 9101), by value and pushed', async () => {
    const config = await jarClient();
    assert.equal(config.serverMetadata().request_parameter_supported, true);
    for (const push of [false, true]) {
      const verifier = randomPKCECodeVerifier();
      const state = randomState();
      const nonce = randomNonce();
      const parameters = {
        redirect_uri: REDIRECT_URI,
        scope: 'openid email',
        code_challenge: await calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        prompt: 'consent',
        max_age: '300',
      };
      const key = { key: op.jarKey, kid: 'jar-1' };
      const url = push
        ? await buildAuthorizationUrlWithPAR(config, {
            request: (await buildAuthorizationUrlWithJAR(config, parameters, key)).searchParams.get(
              'request',
            )!,
          })
        : await buildAuthorizationUrlWithJAR(config, parameters, key);
      assert.deepEqual(
        [...url.searchParams.keys()].sort(),
        push ? ['client_id', 'request_uri'] : ['client_id', 'request'],
      );
      const callback = await signInAtOidcProvider(url);
      const tokens = await authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        maxAge: 300,
      });
      assert.equal(tokens.claims()?.sub, 'alice');
    }
  });

  it('is refused by oidc-provider for a request object signed with a key it does not know', async () => {
    const config = await jarClient();
    const stranger = (
      await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
    ).privateKey;
    const url = await buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: REDIRECT_URI, scope: 'openid' },
      stranger,
    );
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.equal(
      new URL(response.headers.get('location')!).searchParams.get('error'),
      'invalid_request_object',
    );
  });

  it('says what oidc-provider refused at its PAR endpoint', async () => {
    const config = await discovery(
      new URL(op.issuer),
      CONFIDENTIAL.client_id,
      CONFIDENTIAL.client_secret,
      ClientSecretBasic(CONFIDENTIAL.client_secret),
      { execute },
    );
    const refused = await buildAuthorizationUrlWithPAR(config, {
      redirect_uri: 'https://not-registered.example.com/cb',
      scope: 'openid',
      code_challenge: await calculatePKCECodeChallenge(randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }).catch((error: unknown) => error);
    assert.ok(refused instanceof ClientError);
    assert.equal(refused.code, 'ERR_SERVER_ERROR');
    assert.match(refused.error ?? '', /invalid_redirect_uri|invalid_request/);
  });
});

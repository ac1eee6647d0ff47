/**
 * `@codegrant/client` against oidc-provider with pairwise subjects and the claims parameter on
 * (OpenID Connect Core §8, §5.5): pairwise is transparent to the relying party (one `sub` per
 * sector, UserInfo checked against it), registration carries `subject_type`, and `claims` passes
 * through buildAuthorizationUrl, PAR and JAR; plus the refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildAuthorizationUrlWithJAR,
  buildAuthorizationUrlWithPAR,
  ClientError,
  ClientSecretBasic,
  type Configuration,
  calculatePKCECodeChallenge,
  discovery,
  dynamicClientRegistration,
  fetchUserInfo,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  tokenIntrospection,
} from '../src/index.ts';
import {
  CONFIDENTIAL,
  JAR,
  PAIRWISE,
  PAIRWISE_ELSEWHERE,
  REDIRECT_URI,
  signInAtOidcProvider,
  startOidcProvider,
  type TestProvider,
} from './helpers/oidc-provider.ts';

const execute = [allowInsecureRequests];

/** The parameters and checks of one authorization request to `redirectUri`, `extra` added. */
async function request(redirectUri: string, extra: Record<string, string> = {}) {
  const verifier = randomPKCECodeVerifier();
  const state = randomState();
  const nonce = randomNonce();
  return {
    checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
    parameters: {
      redirect_uri: redirectUri,
      scope: 'openid offline_access',
      prompt: 'consent',
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    },
  };
}

describe('against oidc-provider: pairwise subjects and the claims parameter', () => {
  let op: TestProvider;
  const configure = (client: { client_id: string; client_secret: string }) =>
    discovery(new URL(op.issuer), client.client_id, client.client_secret, ClientSecretBasic(), { execute });

  /** A code flow of `login` through `config`, to `redirectUri`; the tokens. */
  async function codeFlow(
    config: Configuration,
    redirectUri = REDIRECT_URI,
    extra: Record<string, string> = {},
    login = 'alice',
  ) {
    const { parameters, checks } = await request(redirectUri, extra);
    const callback = await signInAtOidcProvider(
      buildAuthorizationUrl(config, parameters),
      login,
      redirectUri,
    );
    return authorizationCodeGrant(config, callback, checks);
  }

  before(async () => {
    op = await startOidcProvider();
  });
  after(() => op.close());

  it('discovers both features', async () => {
    const metadata = (await configure(PAIRWISE)).serverMetadata();
    assert.deepEqual(metadata.subject_types_supported, ['public', 'pairwise']);
    assert.equal(metadata.claims_parameter_supported, true);
  });

  it('takes pairwise subjects as they come: one per sector, UserInfo held to it, the same on refresh', async () => {
    const pairwise = await configure(PAIRWISE);
    const tokens = await codeFlow(pairwise);
    const sub = tokens.claims()!.sub;
    assert.notEqual(sub, 'alice', 'not the account id');
    assert.equal((await codeFlow(pairwise)).claims()!.sub, sub, 'stable');
    assert.notEqual((await codeFlow(pairwise, REDIRECT_URI, {}, 'bob')).claims()!.sub, sub, 'per user');

    const elsewhere = await configure(PAIRWISE_ELSEWHERE);
    const other = await codeFlow(elsewhere, PAIRWISE_ELSEWHERE.redirect_uri);
    assert.notEqual(other.claims()!.sub, sub, 'another sector, another sub');
    const publicSub = (await codeFlow(await configure(CONFIDENTIAL))).claims()!.sub;
    assert.equal(publicSub, 'alice');

    // UserInfo's sub must be the ID token's (Core §5.3.2): checked, and refused when it differs.
    assert.equal((await fetchUserInfo(pairwise, tokens.access_token, sub)).sub, sub);
    const mismatch = await fetchUserInfo(pairwise, tokens.access_token, other.claims()!.sub).catch(
      (error: unknown) => error,
    );
    assert.ok(mismatch instanceof ClientError);
    assert.equal(mismatch.code, 'ERR_SUBJECT_MISMATCH');

    const refreshed = await refreshTokenGrant(pairwise, tokens.refresh_token!, undefined, {
      expectedSubject: sub,
    });
    assert.equal(refreshed.claims()?.sub, sub);
    assert.equal((await tokenIntrospection(pairwise, refreshed.access_token)).sub, sub);
  });

  it('registers a pairwise client (subject_type) and signs in with it', async () => {
    const config = await dynamicClientRegistration(
      new URL(op.issuer),
      {
        redirect_uris: [REDIRECT_URI, 'https://app.example/second-callback'],
        subject_type: 'pairwise',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
      },
      ClientSecretBasic(),
      { execute },
    );
    assert.equal(config.clientMetadata().subject_type, 'pairwise');
    const sub = (await codeFlow(config)).claims()!.sub;
    assert.equal(sub, (await codeFlow(await configure(PAIRWISE))).claims()!.sub, 'one sector, one sub');
  });

  it('says why oidc-provider refused a pairwise registration on several hosts without a sector_identifier_uri', async () => {
    const refused = await dynamicClientRegistration(
      new URL(op.issuer),
      {
        redirect_uris: [REDIRECT_URI, 'https://elsewhere.example/callback'],
        subject_type: 'pairwise',
        token_endpoint_auth_method: 'client_secret_basic',
      },
      ClientSecretBasic(),
      { execute },
    ).catch((error: unknown) => error);
    assert.ok(refused instanceof ClientError);
    assert.equal(refused.error, 'invalid_client_metadata');
    assert.match(refused.error_description ?? '', /sector_identifier_uri/);
  });

  it('asks for claims in the ID token and UserInfo with the claims parameter', async () => {
    const config = await configure(CONFIDENTIAL);
    const tokens = await codeFlow(config, REDIRECT_URI, {
      scope: 'openid',
      claims: JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { name: null } }),
    });
    const claims = tokens.claims()!;
    assert.equal(claims.email, 'alice@example.com', 'without the email scope');
    assert.equal(claims.name, undefined);
    const userinfo = await fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(userinfo.name, 'alice');
    assert.equal(userinfo.email, undefined);
  });

  it('passes claims through PAR, and through JAR as an object', async () => {
    const config = await configure(CONFIDENTIAL);
    const claims = JSON.stringify({ id_token: { email: null } });
    const pushed = await request(REDIRECT_URI, { scope: 'openid', claims });
    const url = await buildAuthorizationUrlWithPAR(config, pushed.parameters);
    const viaPar = await authorizationCodeGrant(config, await signInAtOidcProvider(url), pushed.checks);
    assert.equal(viaPar.claims()!.email, 'alice@example.com');

    const jar = await configure(JAR);
    const signed = await request(REDIRECT_URI, { scope: 'openid', claims });
    const jarUrl = await buildAuthorizationUrlWithJAR(jar, signed.parameters, {
      key: op.jarKey,
      kid: 'jar-1',
    });
    const viaJar = await authorizationCodeGrant(jar, await signInAtOidcProvider(jarUrl), signed.checks);
    assert.equal(viaJar.claims()!.email, 'alice@example.com');
  });

  it('refuses a malformed claims parameter before sending it in a request object, and says what oidc-provider refused', async () => {
    const jar = await configure(JAR);
    const { parameters } = await request(REDIRECT_URI, { claims: '{"id_token":' });
    await assert.rejects(buildAuthorizationUrlWithJAR(jar, parameters, op.jarKey), TypeError);
    const notObject = await request(REDIRECT_URI, { claims: '["email"]' });
    await assert.rejects(buildAuthorizationUrlWithJAR(jar, notObject.parameters, op.jarKey), TypeError);

    const refused = await buildAuthorizationUrlWithPAR(await configure(CONFIDENTIAL), parameters).catch(
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ClientError);
    assert.equal(refused.error, 'invalid_request');
    assert.match(refused.error_description ?? '', /claims/);
  });
});

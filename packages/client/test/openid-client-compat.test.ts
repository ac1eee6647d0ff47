import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import * as openidClient from 'openid-client';
import * as codegrant from '../src/index.ts';
import {
  approveDeviceAtOidcProvider,
  CONFIDENTIAL,
  DEVICE_CONFIDENTIAL,
  REDIRECT_URI,
  SERVICE,
  signInAtOidcProvider,
  startOidcProvider,
  type TestProvider,
} from './helpers/oidc-provider.ts';

/**
 * The code an openid-client v6 user wrote, untouched, given the library as a parameter: switching
 * to @codegrant/client is changing the import. (`any`: the two libraries' types are nominally
 * different classes; the calls are the same.)
 */
// biome-ignore lint/suspicious/noExplicitAny: the same code runs against both libraries
async function appCode(lib: any, issuer: string) {
  const config = await lib.discovery(
    new URL(issuer),
    CONFIDENTIAL.client_id,
    CONFIDENTIAL.client_secret,
    lib.ClientSecretBasic(),
    {
      // openid-client verifies ID token signatures only when told to; we always do.
      execute: [lib.allowInsecureRequests, lib.enableNonRepudiationChecks],
    },
  );
  const verifier = lib.randomPKCECodeVerifier();
  const state = lib.randomState();
  const nonce = lib.randomNonce();
  const url: URL = lib.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    code_challenge: await lib.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'consent',
  });
  const callback = await signInAtOidcProvider(url);
  const tokens = await lib.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  const claims = tokens.claims();
  const userinfo = await lib.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await lib.refreshTokenGrant(config, tokens.refresh_token);
  const introspection = await lib.tokenIntrospection(config, refreshed.access_token);
  await lib.tokenRevocation(config, refreshed.refresh_token);
  const service = await lib.discovery(new URL(issuer), SERVICE.client_id, SERVICE.client_secret, undefined, {
    execute: [lib.allowInsecureRequests],
  });
  const machine = await lib.clientCredentialsGrant(service);
  let stateError: unknown;
  await lib
    .authorizationCodeGrant(
      config,
      new URL(`${REDIRECT_URI}?code=x&state=forged&iss=${encodeURIComponent(issuer)}`),
      {
        pkceCodeVerifier: verifier,
        expectedState: state,
      },
    )
    .catch((err: unknown) => {
      stateError = err;
    });
  return {
    sub: claims.sub,
    aud: claims.aud,
    tokenType: tokens.token_type,
    expires: tokens.expiresIn() > 0,
    email: userinfo.email,
    refreshedSub: refreshed.claims()?.sub,
    active: introspection.active,
    machineTokenType: machine.token_type,
    stateRefused: stateError instanceof Error,
  };
}

describe('openid-client v6 compatibility: the same application code, either library', () => {
  let op: TestProvider;
  before(async () => {
    op = await startOidcProvider();
  });
  after(() => op.close());

  it('gives the same results with openid-client and with @codegrant/client', async () => {
    const theirs = await appCode(openidClient, op.issuer);
    const ours = await appCode(codegrant, op.issuer);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, {
      sub: 'alice',
      aud: CONFIDENTIAL.client_id,
      tokenType: 'bearer',
      expires: true,
      email: 'alice@example.com',
      refreshedSub: 'alice',
      active: true,
      machineTokenType: 'bearer',
      stateRefused: true,
    });
  });

  it('has enableNonRepudiationChecks, which like openid-client refuses anything but a Configuration', () => {
    assert.throws(() => codegrant.enableNonRepudiationChecks({} as codegrant.Configuration), TypeError);
    assert.throws(() => openidClient.enableNonRepudiationChecks({} as openidClient.Configuration), TypeError);
  });

  it('exports every openid-client v6 function or class it claims in its README table', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Every openid-client v6 export'));
    const rows = [...table.matchAll(/^\| `(\w+)` +\| (yes|no) +\|/gm)];
    const listed = new Set(rows.map(([, name]) => name!));
    for (const name of Object.keys(openidClient)) {
      assert.ok(listed.has(name), `openid-client's ${name} is missing from the README table`);
    }
    for (const [, name, ours] of rows) {
      // "yes" names an export of ours; "no" says in its notes why not.
      assert.equal(name! in codegrant, ours === 'yes', `${name}: the table says ${ours}`);
    }
  });
});

/** openid-client v6 application code for the device grant: one approved sign-in, one declined. */
// biome-ignore lint/suspicious/noExplicitAny: the same code runs against both libraries
async function deviceAppCode(lib: any, issuer: string) {
  const config = await lib.discovery(
    new URL(issuer),
    DEVICE_CONFIDENTIAL.client_id,
    DEVICE_CONFIDENTIAL.client_secret,
    lib.ClientSecretBasic(),
    { execute: [lib.allowInsecureRequests, lib.enableNonRepudiationChecks] },
  );
  const device = await lib.initiateDeviceAuthorization(config, { scope: 'openid' });
  const polling = lib.pollDeviceAuthorizationGrant(config, device);
  await approveDeviceAtOidcProvider(device.verification_uri, device.user_code);
  const tokens = await polling;
  const declined = await lib.initiateDeviceAuthorization(config, { scope: 'openid' });
  const refusal = lib.pollDeviceAuthorizationGrant(config, declined).catch((err: unknown) => err);
  await approveDeviceAtOidcProvider(declined.verification_uri, declined.user_code, { deny: true });
  return {
    interval: device.interval,
    sub: tokens.claims().sub,
    aud: tokens.claims().aud,
    tokenType: tokens.token_type,
    declinedError: (await refusal).error,
  };
}

describe('openid-client v6 compatibility: the device grant', () => {
  let op: TestProvider;
  before(async () => {
    op = await startOidcProvider({ deviceFlow: { interval: 0.2, slowDownWithin: 0.15, shortTtl: 1 } });
  });
  after(() => op.close());

  it('gives the same results with openid-client and with @codegrant/client', async () => {
    const [theirs, ours] = await Promise.all([
      deviceAppCode(openidClient, op.issuer),
      deviceAppCode(codegrant, op.issuer),
    ]);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, {
      interval: 0.2,
      sub: 'alice',
      aud: DEVICE_CONFIDENTIAL.client_id,
      tokenType: 'bearer',
      declinedError: 'access_denied',
    });
  });
});

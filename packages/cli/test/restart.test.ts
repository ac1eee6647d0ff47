/**
 * Durability: everything an identity provider promised survives a restart of `codegrant serve` on
 * the same SQLite file — signing keys, users, clients, SSO sessions, refresh tokens, grants.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import * as oidc from 'openid-client';
import { TestBrowser } from '../../server/test/helpers/browser.ts';
import { signIn } from '../../server/test/helpers/sign-in.ts';
import { codegrant, freePort, freshDb, removeTempDir, startServe, stopServe } from './helpers/cli.ts';

after(removeTempDir);

const REDIRECT_URI = 'http://127.0.0.1:9999/callback';

it('keeps keys, sessions, grants and refresh tokens across a restart of codegrant serve', async () => {
  const db = freshDb();
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  assert.equal(
    (await codegrant(['users', 'add', 'frank', '--password', 'frank password', '--db', db])).code,
    0,
  );
  const added = await codegrant([
    'clients',
    'add',
    '--redirect-uri',
    REDIRECT_URI,
    '--first-party',
    '--db',
    db,
  ]);
  const { client_id: clientId, client_secret: clientSecret } = JSON.parse(added.stdout);

  const args = ['--port', String(port), '--db', db, '--log', 'off'];
  let serving = await startServe(args);
  const browser = new TestBrowser();
  let config: oidc.Configuration;
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  let jwksBefore: unknown;
  try {
    config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { callbackUrl } = await signIn(browser, url, REDIRECT_URI, {
      username: 'frank',
      password: 'frank password',
    });
    tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
    jwksBefore = await (await fetch(`${issuer}/jwks`)).json();
  } finally {
    await stopServe(serving);
  }

  serving = await startServe(args);
  try {
    assert.deepEqual(await (await fetch(`${issuer}/jwks`)).json(), jwksBefore, 'the same signing keys');
    const sub = tokens.claims()!.sub;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    assert.equal(userinfo.preferred_username, 'frank', 'an access token from before the restart still works');

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(refreshed.claims()!.sub, sub, 'the refresh token survived');

    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      prompt: 'none',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { callbackUrl, pagesShown } = await signIn(browser, url, REDIRECT_URI, undefined);
    assert.deepEqual(pagesShown, []);
    const again = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
    assert.equal(again.claims()!.sub, sub, 'the SSO session survived');
  } finally {
    await stopServe(serving);
  }
});

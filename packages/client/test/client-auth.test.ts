import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, jwtVerify } from 'jose';
import {
  authorizationCodeGrantRequest,
  ClientSecretBasic,
  ClientSecretJwt,
  ClientSecretPost,
  None,
  PrivateKeyJwt,
  randomPKCECodeVerifier,
  validateAuthResponse,
} from '../src/index.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  type FakeIssuer,
  REDIRECT_URI,
  startFakeIssuer,
} from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

describe('client authentication', () => {
  let op: FakeIssuer;
  let last: { headers: Headers; body: URLSearchParams };
  before(async () => {
    op = await startFakeIssuer();
    op.answerToken(async (request) => {
      last = { headers: request.headers, body: new URLSearchParams(await request.text()) };
      return json({ access_token: 'at', token_type: 'bearer' });
    });
  });
  after(() => op.close());

  const verifier = randomPKCECodeVerifier();
  const redeem = (
    client = op.client,
    clientAuthentication?: Parameters<typeof authorizationCodeGrantRequest>[5],
  ) =>
    authorizationCodeGrantRequest(
      op.as,
      client,
      validateAuthResponse(op.as, client, new URLSearchParams({ code: 'c1', iss: op.issuer })),
      REDIRECT_URI,
      verifier,
      { ...op.http, ...clientAuthentication },
    );

  it('sends the code grant: grant_type, code, redirect_uri, code_verifier, form-encoded, accept JSON', async () => {
    await redeem();
    assert.equal(last.body.get('grant_type'), 'authorization_code');
    assert.equal(last.body.get('code'), 'c1');
    assert.equal(last.body.get('redirect_uri'), REDIRECT_URI);
    assert.equal(last.body.get('code_verifier'), verifier);
    assert.match(last.headers.get('content-type')!, /^application\/x-www-form-urlencoded/);
    assert.equal(last.headers.get('accept'), 'application/json');
  });

  it('defaults to client_secret_basic for a client with a secret (RFC 7591 §2)', async () => {
    await redeem();
    const expected = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
    assert.equal(last.headers.get('authorization'), `Basic ${expected}`);
    assert.equal(last.body.get('client_secret'), null);
  });

  it('form-encodes the id and secret before Basic encoding (RFC 6749 §2.3.1)', async () => {
    await redeem(
      { client_id: 'my client:1', client_secret: 'p@ss w%rd/é' },
      { clientAuthentication: ClientSecretBasic() },
    );
    const decoded = Buffer.from(last.headers.get('authorization')!.slice(6), 'base64').toString();
    assert.equal(decoded, 'my+client%3A1:p%40ss+w%25rd%2F%C3%A9');
  });

  it('follows token_endpoint_auth_method client_secret_post and none', async () => {
    await redeem({ ...op.client, token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(last.body.get('client_secret'), CLIENT_SECRET);
    assert.equal(last.body.get('client_id'), CLIENT_ID);
    assert.equal(last.headers.get('authorization'), null);
    await redeem({ client_id: 'public-1' });
    assert.equal(last.body.get('client_id'), 'public-1');
    assert.equal(last.body.get('client_secret'), null);
    assert.equal(last.headers.get('authorization'), null);
  });

  it('takes an explicit clientAuthentication: ClientSecretPost, None', async () => {
    await redeem(op.client, { clientAuthentication: ClientSecretPost('other-secret') });
    assert.equal(last.body.get('client_secret'), 'other-secret');
    await redeem(op.client, { clientAuthentication: None() });
    assert.equal(last.body.get('client_secret'), null);
    assert.equal(last.headers.get('authorization'), null);
  });

  it('signs a private_key_jwt assertion (iss = sub = client_id, aud = issuer, short-lived)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    await redeem(op.client, { clientAuthentication: PrivateKeyJwt({ key: privateKey, kid: 'k1' }) });
    assert.equal(
      last.body.get('client_assertion_type'),
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    const { payload, protectedHeader } = await jwtVerify(last.body.get('client_assertion')!, publicKey, {
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: op.issuer,
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.kid, 'k1');
    assert.ok(payload.jti && payload.exp! - payload.iat! <= 60);
    assert.equal(last.headers.get('authorization'), null);
  });

  it('derives the assertion alg from an RSA key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256');
    await redeem(op.client, { clientAuthentication: PrivateKeyJwt(privateKey) });
    const { protectedHeader } = await jwtVerify(last.body.get('client_assertion')!, publicKey);
    assert.equal(protectedHeader.alg, 'PS256');
  });

  it('signs a client_secret_jwt assertion with HS256', async () => {
    await redeem(op.client, { clientAuthentication: ClientSecretJwt() });
    const { protectedHeader } = await jwtVerify(
      last.body.get('client_assertion')!,
      new TextEncoder().encode(CLIENT_SECRET),
    );
    assert.equal(protectedHeader.alg, 'HS256');
  });

  it('is a TypeError to use a secret method without a secret, or private_key_jwt without a key', async () => {
    await assert.rejects(
      redeem({ client_id: 'c', token_endpoint_auth_method: 'client_secret_basic' }),
      TypeError,
    );
    await assert.rejects(redeem({ client_id: 'c' }, { clientAuthentication: ClientSecretPost() }), TypeError);
    await assert.rejects(
      redeem({ client_id: 'c', token_endpoint_auth_method: 'private_key_jwt' }),
      /explicit clientAuthentication/,
    );
  });

  it('is a TypeError to pass unvalidated callback parameters or a malformed verifier', async () => {
    await assert.rejects(
      authorizationCodeGrantRequest(
        op.as,
        op.client,
        new URLSearchParams('code=c1') as never,
        REDIRECT_URI,
        verifier,
        op.http,
      ),
      TypeError,
    );
    const callback = validateAuthResponse(
      op.as,
      op.client,
      new URLSearchParams({ code: 'c1', iss: op.issuer }),
    );
    await assert.rejects(
      authorizationCodeGrantRequest(op.as, op.client, callback, REDIRECT_URI, 'short', op.http),
      TypeError,
    );
  });
});

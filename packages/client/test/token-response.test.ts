import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClientError,
  getValidatedIdTokenClaims,
  processAuthorizationCodeResponse,
  processClientCredentialsResponse,
} from '../src/index.ts';
import { type FakeIssuer, startFakeIssuer } from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

const isClientError = (code: string, message: RegExp) => (err: unknown) =>
  err instanceof ClientError && err.code === code && message.test(err.message);

describe('token response checks', () => {
  let op: FakeIssuer;
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());

  const process = (response: Response) =>
    processAuthorizationCodeResponse(op.as, op.client, response, op.http);

  it('accepts a bearer token response and keeps the server JSON', async () => {
    const result = await process(
      json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, scope: 'a b' }),
    );
    assert.equal(result.access_token, 'at');
    assert.equal(result.token_type, 'bearer');
    assert.equal(result.expires_in, 60);
    assert.equal(getValidatedIdTokenClaims(result), undefined);
  });

  it('accepts token_type case-insensitively: bearer, DPoP', async () => {
    assert.equal((await process(json({ access_token: 'at', token_type: 'BEARER' }))).token_type, 'bearer');
    assert.equal((await process(json({ access_token: 'at', token_type: 'DPoP' }))).token_type, 'dpop');
  });

  it('refuses any status but 200, exposing the server error code and status', async () => {
    const response = json({ error: 'invalid_grant', error_description: 'code expired' }, 400);
    await assert.rejects(process(response), (err: unknown) => {
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'ERR_SERVER_ERROR');
      assert.equal(err.error, 'invalid_grant');
      assert.equal(err.error_description, 'code expired');
      assert.equal(err.status, 400);
      assert.match(err.message, /token endpoint answered HTTP 400 invalid_grant: code expired/);
      return true;
    });
  });

  it('refuses a 201 even with a valid body, and an error status without an OAuth body', async () => {
    await assert.rejects(
      process(json({ access_token: 'at', token_type: 'bearer' }, 201)),
      isClientError('ERR_UNEXPECTED_STATUS', /expected HTTP 200, got 201/),
    );
    await assert.rejects(
      process(new Response('<h1>Bad gateway</h1>', { status: 502 })),
      isClientError('ERR_UNEXPECTED_STATUS', /got 502/),
    );
  });

  it('refuses a body that is not JSON, or not a JSON object', async () => {
    await assert.rejects(
      process(new Response('access_token=at&token_type=bearer')),
      isClientError('ERR_NOT_JSON', /token endpoint/),
    );
    await assert.rejects(process(json(['at'])), isClientError('ERR_NOT_JSON', /JSON object/));
    await assert.rejects(process(json(null)), isClientError('ERR_NOT_JSON', /JSON object/));
  });

  it('requires access_token', async () => {
    await assert.rejects(
      process(json({ token_type: 'bearer' })),
      isClientError('ERR_INVALID_RESPONSE', /access_token: expected a string, got none/),
    );
    await assert.rejects(
      process(json({ access_token: 42, token_type: 'bearer' })),
      isClientError('ERR_INVALID_RESPONSE', /got 42/),
    );
  });

  it('requires token_type bearer or dpop', async () => {
    await assert.rejects(
      process(json({ access_token: 'at' })),
      isClientError('ERR_INVALID_RESPONSE', /token_type: expected bearer or dpop, got none/),
    );
    await assert.rejects(
      process(json({ access_token: 'at', token_type: 'mac' })),
      isClientError('ERR_INVALID_RESPONSE', /got "mac"/),
    );
  });

  it('tolerates expires_in as a numeric string, returning a number', async () => {
    const result = await process(json({ access_token: 'at', token_type: 'bearer', expires_in: '3600' }));
    assert.equal(result.expires_in, 3600);
    assert.equal(
      (await process(json({ access_token: 'at', token_type: 'bearer', expires_in: 0 }))).expires_in,
      0,
    );
  });

  it('refuses a negative, non-numeric or empty expires_in', async () => {
    for (const expires_in of [-1, 'soon', '', true, null, 'Infinity', '-5']) {
      await assert.rejects(
        process(json({ access_token: 'at', token_type: 'bearer', expires_in })),
        isClientError('ERR_INVALID_RESPONSE', /expires_in: expected a non-negative number/),
        String(expires_in),
      );
    }
  });

  it('refuses non-string refresh_token, scope, id_token', async () => {
    await assert.rejects(
      process(json({ access_token: 'at', token_type: 'bearer', refresh_token: 1 })),
      isClientError('ERR_INVALID_RESPONSE', /refresh_token: expected a string, got 1/),
    );
    await assert.rejects(
      process(json({ access_token: 'at', token_type: 'bearer', scope: ['a'] })),
      isClientError('ERR_INVALID_RESPONSE', /scope/),
    );
  });

  it('requires an ID token when asked, or when a nonce or max_age was sent', async () => {
    const body = { access_token: 'at', token_type: 'bearer' };
    const options = [{ requireIdToken: true }, { expectedNonce: 'n' }, { maxAge: 60 }];
    for (const option of options) {
      await assert.rejects(
        processAuthorizationCodeResponse(op.as, op.client, json(body), { ...op.http, ...option }),
        isClientError('ERR_ID_TOKEN_MISSING', /id_token is missing/),
      );
    }
  });

  it('validates the client credentials response the same way', async () => {
    const result = await processClientCredentialsResponse(
      op.as,
      op.client,
      json({ access_token: 'at', token_type: 'Bearer' }),
    );
    assert.equal(result.token_type, 'bearer');
    await assert.rejects(
      processClientCredentialsResponse(op.as, op.client, json({ error: 'invalid_client' }, 401)),
      (err: unknown) => err instanceof ClientError && err.error === 'invalid_client' && err.status === 401,
    );
  });
});

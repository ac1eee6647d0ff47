import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import {
  authorizationCodeGrantRequest,
  ClientError,
  customFetch,
  discovery,
  processAuthorizationCodeResponse,
  randomPKCECodeVerifier,
  validateAuthResponse,
} from '../src/index.ts';
import { CLIENT_ID, type FakeIssuer, REDIRECT_URI, startFakeIssuer } from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';

const isClientError = (code: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ClientError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  return true;
};

describe('transport: https, redirects, timeouts, customFetch', () => {
  let op: FakeIssuer;
  before(async () => {
    op = await startFakeIssuer();
  });
  after(() => op.close());

  const callback = () =>
    validateAuthResponse(op.as, op.client, new URLSearchParams({ code: 'c1', iss: op.issuer }));

  it('refuses an http: issuer without allowInsecureRequests (high level)', async () => {
    await assert.rejects(
      discovery(new URL(op.issuer), CLIENT_ID),
      isClientError(
        'ERR_INSECURE_REQUEST',
        /http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: only https: URLs are allowed/,
      ),
    );
    assert.equal(op.server.requests.length, 0, 'nothing was sent');
  });

  it('refuses an http: token endpoint without allowHttp (low level)', async () => {
    await assert.rejects(
      authorizationCodeGrantRequest(op.as, op.client, callback(), REDIRECT_URI, randomPKCECodeVerifier()),
      isClientError('ERR_INSECURE_REQUEST', /\/token: only https/),
    );
  });

  it('does not follow a redirect of the token endpoint', async () => {
    let followed = false;
    op.server.route('/steal', () => {
      followed = true;
      return json({ access_token: 'stolen', token_type: 'bearer' });
    });
    op.answerToken(() => new Response(null, { status: 307, headers: { location: `${op.issuer}/steal` } }));
    const response = await authorizationCodeGrantRequest(
      op.as,
      op.client,
      callback(),
      REDIRECT_URI,
      randomPKCECodeVerifier(),
      op.http,
    );
    assert.equal(response.status, 307);
    await assert.rejects(
      processAuthorizationCodeResponse(op.as, op.client, response),
      isClientError(
        'ERR_UNEXPECTED_STATUS',
        /token endpoint: expected HTTP 200, got 307 \(redirects are not followed\)/,
      ),
    );
    assert.equal(followed, false);
  });

  it('gives up after the timeout', async () => {
    op.answerToken(() => new Promise<Response>((resolve) => setTimeout(() => resolve(json({})), 2000)));
    // ERR_TIMEOUT (not the late answer's own failure) shows it gave up: no wall-clock assertion.
    await assert.rejects(
      authorizationCodeGrantRequest(op.as, op.client, callback(), REDIRECT_URI, randomPKCECodeVerifier(), {
        ...op.http,
        timeout: 0.2,
      }),
      isClientError('ERR_TIMEOUT', /POST http:\/\/127\.0\.0\.1:\d+\/token: no response within 0\.2 s/),
    );
  });

  it('aborts on the caller signal', async () => {
    op.answerToken(() => new Promise<Response>((resolve) => setTimeout(() => resolve(json({})), 2000)));
    await assert.rejects(
      authorizationCodeGrantRequest(op.as, op.client, callback(), REDIRECT_URI, randomPKCECodeVerifier(), {
        ...op.http,
        signal: AbortSignal.abort(),
      }),
      { name: 'AbortError' },
    );
  });

  it('shares a timeout signal between at most four requests started in one millisecond', async () => {
    const signals: unknown[] = [];
    const send = (options: { signal?: AbortSignal; timeout?: number } = {}) =>
      authorizationCodeGrantRequest(op.as, op.client, callback(), REDIRECT_URI, randomPKCECodeVerifier(), {
        ...op.http,
        ...options,
        [customFetch]: async (_url, init) => {
          signals.push(init.signal);
          return json({});
        },
      });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      for (let i = 0; i < 5; i++) await send();
      await send({ timeout: 10 });
      mock.timers.tick(1);
      await send();
    } finally {
      mock.timers.reset();
    }
    const own = AbortSignal.abort();
    await send({ signal: own });
    assert.equal(new Set(signals.slice(0, 4)).size, 1);
    assert.equal(new Set(signals).size, 5, 'a fifth request, another timeout, another millisecond');
    assert.equal(signals[7], own);
  });

  it('sends every request through customFetch with redirect manual and a signal', async () => {
    const seen: Array<{ url: string; method: string; redirect: string; signal?: unknown; body: unknown }> =
      [];
    await authorizationCodeGrantRequest(
      op.as,
      op.client,
      callback(),
      REDIRECT_URI,
      randomPKCECodeVerifier(),
      {
        ...op.http,
        [customFetch]: async (url, init) => {
          seen.push({ url, ...init });
          return json({ access_token: 'at', token_type: 'bearer' });
        },
      },
    );
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url, `${op.issuer}/token`);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.redirect, 'manual');
    assert.ok(seen[0]!.signal instanceof AbortSignal);
    assert.ok(seen[0]!.body instanceof URLSearchParams);
  });
});

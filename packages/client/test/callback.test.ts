import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuthorizationServer,
  CallbackParameters,
  ClientError,
  expectNoState,
  skipStateCheck,
  validateAuthResponse,
} from '../src/index.ts';

const as: AuthorizationServer = {
  issuer: 'https://op.example',
  authorization_response_iss_parameter_supported: true,
};
const client = { client_id: 'client-1' };
const callback = (query: string) => new URL(`https://app.example/cb?${query}`);

/** Asserts that validating `query` throws a ClientError with `code`, whose message matches `message`. */
function rejects(
  query: string,
  code: string,
  message: RegExp,
  server = as,
  state: Parameters<typeof validateAuthResponse>[3] = 's1',
) {
  assert.throws(
    () => validateAuthResponse(server, client, callback(query), state),
    (err: unknown) => err instanceof ClientError && err.code === code && message.test(err.message),
  );
}

describe('validateAuthResponse', () => {
  it('accepts a code with the right iss and state, returning CallbackParameters', () => {
    const params = validateAuthResponse(
      as,
      client,
      callback('code=c1&state=s1&iss=https%3A%2F%2Fop.example'),
      's1',
    );
    assert.ok(params instanceof CallbackParameters);
    assert.equal(params.get('code'), 'c1');
  });

  it('takes URLSearchParams as well as a URL', () => {
    const params = validateAuthResponse(as, client, new URLSearchParams('code=c1&iss=https://op.example'));
    assert.equal(params.get('code'), 'c1');
  });

  it('refuses a parameter given twice', () => {
    rejects(
      'code=c1&code=c2&state=s1&iss=https://op.example',
      'ERR_DUPLICATE_PARAMETER',
      /code appears more than once/,
    );
    rejects('code=c1&state=s1&state=s1&iss=https://op.example', 'ERR_DUPLICATE_PARAMETER', /state/);
  });

  it('requires iss when the server advertises authorization_response_iss_parameter_supported', () => {
    rejects('code=c1&state=s1', 'ERR_ISS_MISSING', /iss is missing but https:\/\/op\.example promises it/);
  });

  it('lets iss be absent when the server does not advertise it', () => {
    const params = validateAuthResponse(
      { issuer: 'https://op.example' },
      client,
      callback('code=c1&state=s1'),
      's1',
    );
    assert.equal(params.get('code'), 'c1');
  });

  it('refuses an iss of another server (mix-up), advertised or not', () => {
    const message = /iss: expected "https:\/\/op\.example", got "https:\/\/evil\.example"/;
    rejects('code=c1&state=s1&iss=https://evil.example', 'ERR_ISS_MISMATCH', message);
    rejects('code=c1&state=s1&iss=https://evil.example', 'ERR_ISS_MISMATCH', message, {
      issuer: 'https://op.example',
    });
  });

  it('refuses a wrong state, naming both values', () => {
    rejects(
      'code=c1&state=other&iss=https://op.example',
      'ERR_STATE_MISMATCH',
      /state: expected "s1", got "other"/,
    );
  });

  it('refuses a missing state when one was sent', () => {
    rejects('code=c1&iss=https://op.example', 'ERR_STATE_MISMATCH', /expected "s1", got none/);
  });

  it('refuses a state when none was sent (expectNoState, the default)', () => {
    rejects(
      'code=c1&state=s1&iss=https://op.example',
      'ERR_STATE_MISMATCH',
      /expected none, got "s1"/,
      as,
      expectNoState,
    );
    assert.throws(
      () => validateAuthResponse(as, client, callback('code=c1&state=s1&iss=https://op.example')),
      (err: unknown) => err instanceof ClientError && err.code === 'ERR_STATE_MISMATCH',
    );
  });

  it('skips the state check only when told to (skipStateCheck)', () => {
    const params = validateAuthResponse(
      as,
      client,
      callback('code=c1&state=x&iss=https://op.example'),
      skipStateCheck,
    );
    assert.equal(params.get('state'), 'x');
  });

  it('turns an error response into an error exposing error, error_description, error_uri', () => {
    const query =
      'error=access_denied&error_description=the+user+said+no&error_uri=https%3A%2F%2Fop.example%2Fe&state=s1&iss=https://op.example';
    assert.throws(
      () => validateAuthResponse(as, client, callback(query), 's1'),
      (err: unknown) => {
        assert.ok(err instanceof ClientError);
        assert.equal(err.code, 'ERR_AUTHORIZATION_ERROR');
        assert.equal(err.error, 'access_denied');
        assert.equal(err.error_description, 'the user said no');
        assert.equal(err.error_uri, 'https://op.example/e');
        assert.match(err.message, /access_denied: the user said no/);
        return true;
      },
    );
  });

  it('checks state before trusting an error response (a forged error is a state mismatch)', () => {
    rejects('error=access_denied&state=forged&iss=https://op.example', 'ERR_STATE_MISMATCH', /forged/);
  });

  it('requires a code', () => {
    rejects('state=s1&iss=https://op.example', 'ERR_CODE_MISSING', /code is missing/);
    rejects('code=&state=s1&iss=https://op.example', 'ERR_CODE_MISSING', /code is missing/);
  });

  it('is a TypeError when given something else than a URL or URLSearchParams', () => {
    assert.throws(() => validateAuthResponse(as, client, 'code=c1' as never), TypeError);
  });
});

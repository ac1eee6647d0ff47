import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  allowHttp,
  allowInsecureRequests,
  ClientError,
  ClientSecretBasic,
  Configuration,
  customFetch,
  type DeviceAuthorizationResponse,
  deviceAuthorizationRequest,
  deviceCodeGrantRequest,
  discovery,
  fetchUserInfo,
  getDPoPHandle,
  initiateDeviceAuthorization,
  None,
  pollDeviceAuthorizationGrant,
  processDeviceAuthorizationResponse,
  processDeviceCodeResponse,
  randomDPoPKeyPair,
} from '../src/index.ts';
import { CLIENT_ID, type FakeIssuer, startFakeIssuer } from './helpers/fake-issuer.ts';
import { json } from './helpers/fake-server.ts';
import {
  approveDeviceAtOidcProvider,
  DEVICE_CONFIDENTIAL,
  DEVICE_PUBLIC,
  DEVICE_SHORT_LIVED,
  startOidcProvider,
  type TestProvider,
} from './helpers/oidc-provider.ts';

const execute = [allowInsecureRequests];
/** The polling interval oidc-provider is made to advertise: short, to keep the tests fast. */
const INTERVAL = 0.2;
/** Closer polls of one device code are answered slow_down: a client keeping INTERVAL never is. */
const SLOW_DOWN_WITHIN = 0.15;

/** A token endpoint request the client sent, and the `error` it got back (none for tokens). */
interface Poll {
  at: number;
  error: string | undefined;
}

/** Records every token endpoint request of `config` (sent at `at`) and its answer's `error`. */
function recordPolls(config: Configuration): Poll[] {
  const polls: Poll[] = [];
  config[customFetch] = async (url, init) => {
    const at = Date.now();
    const response = await fetch(url, init as RequestInit);
    if (new URL(url).pathname === '/token') {
      const body = await response
        .clone()
        .json()
        .catch(() => ({}));
      polls.push({ at, error: body.error });
    }
    return response;
  };
  return polls;
}

/** Resolves once `condition` holds (checked every 10 ms), or fails after 10 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 10_000) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Asserts a `ClientError` carrying the server's OAuth `error`. */
const serverError = (error: string) => (err: unknown) => {
  assert.ok(err instanceof ClientError, String(err));
  assert.equal(err.code, 'ERR_SERVER_ERROR');
  assert.equal(err.error, error);
  assert.equal(err.status, 400);
  return true;
};

describe('device authorization grant (RFC 8628) against oidc-provider', { concurrency: true }, () => {
  let op: TestProvider;
  let publicClient: () => Promise<Configuration>;
  before(async () => {
    op = await startOidcProvider({
      deviceFlow: { interval: INTERVAL, slowDownWithin: SLOW_DOWN_WITHIN, shortTtl: 1 },
    });
    publicClient = () =>
      discovery(new URL(op.issuer), DEVICE_PUBLIC.client_id, undefined, None(), { execute });
  });
  after(() => op.close());

  it('confidential client: polls while pending, the user approves at /device, tokens with validated claims', async () => {
    const config = await discovery(
      new URL(op.issuer),
      DEVICE_CONFIDENTIAL.client_id,
      DEVICE_CONFIDENTIAL.client_secret,
      ClientSecretBasic(),
      { execute },
    );
    assert.equal(config.serverMetadata().device_authorization_endpoint, `${op.issuer}/device/auth`);
    const device = await initiateDeviceAuthorization(config, { scope: 'openid email offline_access' });
    assert.equal(device.verification_uri, `${op.issuer}/device`);
    assert.equal(
      device.verification_uri_complete,
      `${op.issuer}/device?user_code=${encodeURIComponent(device.user_code)}`,
    );
    assert.equal(device.interval, INTERVAL);
    assert.equal(device.expires_in, 600);

    const polls = recordPolls(config);
    const tokens = pollDeviceAuthorizationGrant(config, device);
    await until(() => polls.some((poll) => poll.error === 'authorization_pending'));
    const page = await approveDeviceAtOidcProvider(device.verification_uri, device.user_code);
    assert.match(page, /Sign-in Success/);

    const result = await tokens;
    const claims = result.claims()!;
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, DEVICE_CONFIDENTIAL.client_id);
    assert.equal(result.token_type, 'bearer');
    assert.ok(result.refresh_token);
    assert.ok(result.expiresIn()! > 0);
    assert.equal(polls.at(-1)!.error, undefined);
    assert.ok(polls.slice(0, -1).every((poll) => poll.error === 'authorization_pending'));
    const userinfo = await fetchUserInfo(config, result.access_token, claims.sub);
    assert.equal(userinfo.email, 'alice@example.com');
  });

  it('public client with DPoP: the poll is retried for the nonce and the tokens are DPoP-bound', async () => {
    const config = await publicClient();
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    await approveDeviceAtOidcProvider(device.verification_uri, device.user_code, { login: 'bob' });
    const polls = recordPolls(config);
    const DPoP = getDPoPHandle(config, await randomDPoPKeyPair());
    const result = await pollDeviceAuthorizationGrant(config, device, undefined, { DPoP });
    assert.equal(result.token_type, 'dpop');
    assert.equal(result.claims()?.sub, 'bob');
    assert.deepEqual(
      polls.map((poll) => poll.error),
      ['use_dpop_nonce', undefined],
    );
  });

  it('low level: polling again at once is answered slow_down', async () => {
    const config = await publicClient();
    const as = config.serverMetadata();
    const client = { client_id: DEVICE_PUBLIC.client_id, token_endpoint_auth_method: 'none' as const };
    const options = { [allowHttp]: true };
    const device = await processDeviceAuthorizationResponse(
      as,
      client,
      await deviceAuthorizationRequest(as, client, { scope: 'openid' }, options),
    );
    const poll = async () =>
      processDeviceCodeResponse(
        as,
        client,
        await deviceCodeGrantRequest(as, client, device.device_code, options),
      );
    await assert.rejects(poll(), serverError('authorization_pending'));
    await assert.rejects(poll(), serverError('slow_down'));
  });

  it('high level: after slow_down, every later poll waits 5 s longer', async () => {
    const config = await publicClient();
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    const polls = recordPolls(config);
    // A client polling faster than the server wants: its second poll is answered slow_down.
    const interval = 0.05;
    const tokens = pollDeviceAuthorizationGrant(config, { ...device, interval });
    await until(() => polls.length === 3);
    await approveDeviceAtOidcProvider(device.verification_uri, device.user_code);
    assert.equal((await tokens).claims()?.sub, 'alice');

    assert.deepEqual(
      polls.map((poll) => poll.error),
      ['authorization_pending', 'slow_down', 'authorization_pending', undefined],
    );
    const gaps = polls.slice(1).map((poll, i) => poll.at - polls[i]!.at);
    assert.ok(gaps[0]! < SLOW_DOWN_WITHIN * 1000, `gaps ${gaps}`);
    for (const gap of gaps.slice(1)) {
      assert.ok(gap >= (interval + 5) * 1000 && gap < (interval + 6) * 1000, `gaps ${gaps}`);
    }
  });

  it('access_denied: the user aborts at the confirmation page, the poll stops with the error', async () => {
    const config = await publicClient();
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    const polls = recordPolls(config);
    const tokens = pollDeviceAuthorizationGrant(config, device);
    await until(() => polls.length > 0);
    const page = await approveDeviceAtOidcProvider(device.verification_uri, device.user_code, { deny: true });
    assert.match(page, /The Sign-in request was interrupted/);
    await assert.rejects(tokens, serverError('access_denied'));
    assert.equal(polls.at(-1)!.error, 'access_denied');
  });

  it('expired_token: a device code polled after its lifetime is refused, and the loop stops on it', async () => {
    const config = await discovery(new URL(op.issuer), DEVICE_SHORT_LIVED.client_id, undefined, None(), {
      execute,
    });
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    assert.equal(device.expires_in, 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const as = config.serverMetadata();
    const client = { client_id: DEVICE_SHORT_LIVED.client_id, token_endpoint_auth_method: 'none' as const };
    const response = await deviceCodeGrantRequest(as, client, device.device_code, { [allowHttp]: true });
    await assert.rejects(processDeviceCodeResponse(as, client, response), serverError('expired_token'));

    // The local deadline pushed out (a device whose clock lags): the server's answer ends the loop.
    const polls = recordPolls(config);
    await assert.rejects(
      pollDeviceAuthorizationGrant(config, { ...device, expires_in: 60 }),
      serverError('expired_token'),
    );
    assert.equal(polls.length, 1);
  });

  it('stops with ERR_TIMEOUT once the next poll would come after expires_in', async () => {
    const config = await publicClient();
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    const polls = recordPolls(config);
    const started = Date.now();
    // The server's code lives 600 s: only the local clock can end this loop.
    await assert.rejects(pollDeviceAuthorizationGrant(config, { ...device, expires_in: 1 }), (err) => {
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'ERR_TIMEOUT');
      assert.match(err.message, /expires_in 1 s/);
      return true;
    });
    assert.ok(Date.now() - started < 1000, 'it does not wait past expires_in');
    // Polls at 0.2, 0.4, 0.6 and 0.8 s at most (each also waits for its answer); one at 1.0 s would be too late.
    assert.ok(polls.length >= 1 && polls.length <= 4, `${polls.length} polls`);
    assert.ok(polls.every((poll) => poll.error === 'authorization_pending'));
  });

  it('an abort signal ends the wait at once, with its reason, and nothing more is sent', async () => {
    const config = await publicClient();
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    const polls = recordPolls(config);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(
      pollDeviceAuthorizationGrant(config, { ...device, interval: 30 }, undefined, {
        signal: controller.signal,
      }),
      (err: unknown) => err === controller.signal.reason,
    );
    assert.ok(Date.now() - started < 1000, 'aborted promptly, not after the 30 s interval');
    assert.equal(polls.length, 0);
  });

  it('an abort signal ends a poll in flight', async () => {
    const config = await publicClient();
    const device = await initiateDeviceAuthorization(config, { scope: 'openid' });
    const controller = new AbortController();
    // The token request never answers: only the signal can end it.
    config[customFetch] = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal!.reason));
        setTimeout(() => controller.abort(), 50);
      });
    const started = Date.now();
    await assert.rejects(
      pollDeviceAuthorizationGrant(config, device, undefined, { signal: controller.signal }),
      (err: unknown) => err === controller.signal.reason,
    );
    assert.ok(Date.now() - started < 1000);
  });
});

describe('answers of a crafted server are refused', () => {
  let fake: FakeIssuer;
  let config: Configuration;
  before(async () => {
    fake = await startFakeIssuer();
    const deviceAuthorizationEndpoint = `${fake.issuer}/device_authorization`;
    config = new Configuration(
      { ...fake.as, device_authorization_endpoint: deviceAuthorizationEndpoint },
      CLIENT_ID,
    );
    allowInsecureRequests(config);
  });
  after(() => fake.close());

  const valid = {
    device_code: 'a-device-code',
    user_code: 'WDJB-MJHT',
    verification_uri: 'https://id.example/device',
    expires_in: 600,
  };
  const answer = (body: unknown) =>
    fake.server.route('/device_authorization', () => json(body, 200, { 'cache-control': 'no-store' }));

  it('a well-formed device authorization response without interval gets the default 5 s', async () => {
    answer(valid);
    const device: DeviceAuthorizationResponse = await initiateDeviceAuthorization(config, {
      scope: 'openid',
    });
    assert.equal(device.interval, 5);
    assert.equal(device.device_code, 'a-device-code');
    const sent = new URLSearchParams(await fake.server.requests.at(-1)!.text());
    assert.equal(sent.get('client_id'), CLIENT_ID);
    assert.equal(sent.get('scope'), 'openid');
  });

  const malformed: [string, Record<string, unknown>, RegExp][] = [
    ['no device_code', { ...valid, device_code: undefined }, /device_code: expected a non-empty string/],
    ['an empty user_code', { ...valid, user_code: '' }, /user_code: expected a non-empty string/],
    [
      'a relative verification_uri',
      { ...valid, verification_uri: '/device' },
      /verification_uri: expected an absolute URL/,
    ],
    [
      'a verification_uri_complete that is not a URL',
      { ...valid, verification_uri_complete: 42 },
      /verification_uri_complete: expected an absolute URL/,
    ],
    ['no expires_in', { ...valid, expires_in: undefined }, /expires_in: expected a positive number/],
    ['a zero interval', { ...valid, interval: 0 }, /interval: expected a positive number/],
    ['a string interval', { ...valid, interval: '5' }, /interval: expected a positive number/],
  ];
  for (const [name, body, message] of malformed) {
    it(`a device authorization response with ${name}: ERR_INVALID_RESPONSE`, async () => {
      answer(body);
      await assert.rejects(initiateDeviceAuthorization(config, { scope: 'openid' }), (err: unknown) => {
        assert.ok(err instanceof ClientError);
        assert.equal(err.code, 'ERR_INVALID_RESPONSE');
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('an error answer to the device authorization request is ERR_SERVER_ERROR with the server error', async () => {
    fake.server.route('/device_authorization', () => json({ error: 'unauthorized_client' }, 400));
    await assert.rejects(initiateDeviceAuthorization(config, {}), (err: unknown) => {
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'ERR_SERVER_ERROR');
      assert.equal(err.error, 'unauthorized_client');
      return true;
    });
  });

  it('a server advertising no device_authorization_endpoint: ERR_MISSING_METADATA, nothing sent', async () => {
    const sent = fake.server.requests.length;
    const bare = new Configuration(fake.as, CLIENT_ID);
    allowInsecureRequests(bare);
    await assert.rejects(initiateDeviceAuthorization(bare, {}), { code: 'ERR_MISSING_METADATA' });
    assert.equal(fake.server.requests.length, sent);
  });

  const device = { ...valid, interval: 0.01 };
  const tokens = async (claims: Record<string, unknown>) =>
    json({ access_token: 'an-access-token', token_type: 'Bearer', id_token: await fake.idToken(claims) });

  it('the ID token of the poll is validated: one for this client passes, one for another is refused', async () => {
    fake.answerToken(() => tokens({}));
    assert.equal((await pollDeviceAuthorizationGrant(config, device)).claims()?.sub, 'alice');
    const poll = fake.server.requests.findLast((request) => new URL(request.url).pathname === '/token');
    const sent = new URLSearchParams(await poll!.text());
    assert.equal(sent.get('grant_type'), 'urn:ietf:params:oauth:grant-type:device_code');
    assert.equal(sent.get('device_code'), 'a-device-code');

    fake.answerToken(() => tokens({ aud: 'another-client' }));
    await assert.rejects(pollDeviceAuthorizationGrant(config, device), { code: 'ERR_JWT_CLAIM' });
    // No nonce was sent in the device flow: an ID token carrying one is refused.
    fake.answerToken(() => tokens({ nonce: 'injected' }));
    await assert.rejects(pollDeviceAuthorizationGrant(config, device), { code: 'ERR_JWT_CLAIM' });
  });

  it('polling with anything but a Configuration is a TypeError at once', async () => {
    const sent = fake.server.requests.length;
    await assert.rejects(pollDeviceAuthorizationGrant({} as Configuration, device), TypeError);
    assert.equal(fake.server.requests.length, sent);
  });

  it('a poll the server never answers times out, also when a signal is given', async () => {
    fake.answerToken(() => new Promise<Response>(() => {}));
    const slow = new Configuration(fake.as, CLIENT_ID);
    allowInsecureRequests(slow);
    slow.timeout = 0.2;
    const signal = new AbortController().signal;
    await assert.rejects(pollDeviceAuthorizationGrant(slow, device, undefined, { signal }), {
      code: 'ERR_TIMEOUT',
    });
  });
});

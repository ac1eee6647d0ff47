import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  allowHttp,
  ClientError,
  customFetch,
  discoveryRequest,
  processDiscoveryResponse,
} from '../src/index.ts';
import { type FakeServer, json, startFakeServer } from './helpers/fake-server.ts';

const isClientError = (code: string, message: RegExp) => (err: unknown) =>
  err instanceof ClientError && err.code === code && message.test(err.message);

describe('discoveryRequest / processDiscoveryResponse', () => {
  let server: FakeServer;
  before(async () => {
    server = await startFakeServer();
    server.route('/.well-known/openid-configuration', () =>
      json({ issuer: server.url, token_endpoint: `${server.url}/t` }),
    );
    server.route('/tenant/.well-known/openid-configuration', () => json({ issuer: `${server.url}/tenant` }));
    server.route('/.well-known/oauth-authorization-server/tenant', () =>
      json({ issuer: `${server.url}/tenant` }),
    );
  });
  after(() => server.close());

  it('fetches <issuer>/.well-known/openid-configuration and checks issuer', async () => {
    const issuer = new URL(server.url);
    const as = await processDiscoveryResponse(issuer, await discoveryRequest(issuer, { [allowHttp]: true }));
    assert.equal(as.token_endpoint, `${server.url}/t`);
  });

  it('appends the well-known suffix to an issuer with a path (OIDC Discovery §4)', async () => {
    const issuer = new URL(`${server.url}/tenant`);
    const as = await processDiscoveryResponse(issuer, await discoveryRequest(issuer, { [allowHttp]: true }));
    assert.equal(as.issuer, `${server.url}/tenant`);
  });

  it('inserts the RFC 8414 well-known segment before the path (algorithm oauth2)', async () => {
    const issuer = new URL(`${server.url}/tenant`);
    const response = await discoveryRequest(issuer, { [allowHttp]: true, algorithm: 'oauth2' });
    assert.equal(response.status, 200);
    assert.equal((await processDiscoveryResponse(issuer, response)).issuer, `${server.url}/tenant`);
  });

  it('fetches a /.well-known/ URL as it is and expects the issuer it names', async () => {
    const url = new URL(`${server.url}/tenant/.well-known/openid-configuration`);
    const as = await processDiscoveryResponse(url, await discoveryRequest(url, { [allowHttp]: true }));
    assert.equal(as.issuer, `${server.url}/tenant`);
  });

  it('refuses metadata of another issuer, naming both', async () => {
    const response = json({ issuer: 'https://evil.example' });
    await assert.rejects(
      processDiscoveryResponse(new URL('https://op.example'), response),
      isClientError(
        'ERR_ISSUER_MISMATCH',
        /expected "https:\/\/op\.example\/", got "https:\/\/evil\.example"/,
      ),
    );
  });

  it('refuses metadata without an issuer', async () => {
    await assert.rejects(
      processDiscoveryResponse(new URL('https://op.example'), json({})),
      isClientError('ERR_ISSUER_MISMATCH', /got none/),
    );
  });

  it('refuses a non-200 answer and a non-JSON body', async () => {
    await assert.rejects(
      processDiscoveryResponse(new URL('https://op.example'), new Response('gone', { status: 404 })),
      isClientError('ERR_UNEXPECTED_STATUS', /discovery: expected HTTP 200, got 404/),
    );
    await assert.rejects(
      processDiscoveryResponse(new URL('https://op.example'), new Response('<html>')),
      isClientError('ERR_NOT_JSON', /not a JSON object/),
    );
    await assert.rejects(
      processDiscoveryResponse(new URL('https://op.example'), json([1])),
      isClientError('ERR_NOT_JSON', /JSON object/),
    );
  });

  it('refuses an http: issuer unless allowed', async () => {
    await assert.rejects(
      discoveryRequest(new URL(server.url)),
      isClientError('ERR_INSECURE_REQUEST', /only https: URLs/),
    );
  });

  it('sends through customFetch, GET, redirect manual, accept JSON', async () => {
    const calls: Array<[string, RequestInit]> = [];
    const response = await discoveryRequest(new URL('https://op.example/'), {
      [customFetch]: async (url, init) => {
        calls.push([url, init as RequestInit]);
        return json({ issuer: 'https://op.example' });
      },
    });
    assert.equal(calls[0]![0], 'https://op.example/.well-known/openid-configuration');
    assert.equal(calls[0]![1].method, 'GET');
    assert.equal(calls[0]![1].redirect, 'manual');
    assert.equal((calls[0]![1].headers as Record<string, string>).accept, 'application/json');
    assert.equal(
      (await processDiscoveryResponse(new URL('https://op.example'), response)).issuer,
      'https://op.example',
    );
  });

  it('is a TypeError when the issuer is not a URL', async () => {
    await assert.rejects(discoveryRequest('https://op.example' as never), TypeError);
  });
});

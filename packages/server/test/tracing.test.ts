/**
 * The OpenTelemetry hook, with the real SDK (`@opentelemetry/sdk-trace-base`, spans kept in
 * memory): a span per request, named by its route, with the HTTP semantic-convention attributes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

describe('OpenTelemetry tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ tracer: provider.getTracer('codegrant') });
  });
  after(async () => {
    await server.close();
    await provider.shutdown();
  });

  it('makes a span per request, named by the route, with method, route, path and status', async () => {
    exporter.reset();
    assert.equal((await fetch(`${server.issuer}/.well-known/openid-configuration`)).status, 200);
    assert.equal((await fetch(`${server.issuer}/interaction/abc`)).status, 400);
    const token = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody',
    });
    assert.equal(token.status, 401);
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((span) => span.name),
      ['GET /.well-known/openid-configuration', 'GET /interaction/:id', 'POST /token'],
    );
    assert.deepEqual(spans[1]!.attributes, {
      'http.request.method': 'GET',
      'http.route': '/interaction/:id',
      'url.path': '/interaction/abc',
      'http.response.status_code': 400,
    });
    assert.equal(spans[2]!.attributes['http.response.status_code'], 401);
    assert.equal(spans[2]!.status.code, 0, 'a refusal is not a server error');
    assert.ok(spans.every((span) => span.endTime[0] > 0));
  });

  it('marks a span whose request failed inside (500) as an error', async () => {
    const failing = await startTestServer({ tracer: provider.getTracer('codegrant'), audit: false });
    try {
      // The database goes away under the running server: the next lookup throws.
      await failing.store.close();
      exporter.reset();
      const response = await fetch(`${failing.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=someone',
      });
      assert.equal(response.status, 500);
      const [span] = exporter.getFinishedSpans();
      assert.equal(span?.name, 'POST /token');
      assert.deepEqual(span?.status, { code: 2, message: 'HTTP 500' });
    } finally {
      await failing.close();
    }
  });
});

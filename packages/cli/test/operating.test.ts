/**
 * Running it in production, as operators run it: `codegrant serve` in a child process with its
 * metrics port, health endpoints, graceful shutdown under load, and the audit log read back with
 * `codegrant audit`; administrators and disabled accounts with `codegrant users`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { openSqliteStore } from '@codegrant/server/sqlite';
import {
  codegrant,
  freePort,
  freshDb,
  removeTempDir,
  type Serving,
  startServe,
  stopServe,
} from './helpers/cli.ts';
import { parsePrometheus, sampleValue } from './helpers/prometheus.ts';

after(removeTempDir);

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';

/** Adds a confidential client allowed the client_credentials grant; its credentials. */
async function addMachineClient(db: string): Promise<{ client_id: string; client_secret: string }> {
  const added = await codegrant([
    'clients',
    'add',
    '--redirect-uri',
    REDIRECT_URI,
    '--client-credentials',
    '--db',
    db,
  ]);
  assert.equal(added.code, 0, added.stderr);
  return JSON.parse(added.stdout) as { client_id: string; client_secret: string };
}

/** A client_credentials token request. */
function machineToken(
  base: string,
  client: { client_id: string; client_secret: string },
  secret = client.client_secret,
): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
}

describe('serve for operators', () => {
  it('serves Prometheus metrics on their own port, counting requests, tokens, refusals and store calls', async () => {
    const db = freshDb();
    const client = await addMachineClient(db);
    const port = await freePort();
    const metricsPort = await freePort();
    const serving = await startServe([
      '--port',
      String(port),
      '--db',
      db,
      '--metrics-port',
      String(metricsPort),
    ]);
    try {
      const base = `http://127.0.0.1:${port}`;
      assert.match(serving.stderr(), new RegExp(`metrics at http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
      for (let i = 0; i < 3; i++) assert.equal((await machineToken(base, client)).status, 200);
      assert.equal((await machineToken(base, client, 'not-the-secret')).status, 401);
      assert.equal((await fetch(`${base}/interaction/some-id`)).status, 400);
      assert.equal((await fetch(`${base}/metrics`)).status, 404, 'not on the public port');

      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const metrics = parsePrometheus(await response.text());

      assert.equal(metrics.get('codegrant_tokens_issued_total')?.type, 'counter');
      assert.equal(
        sampleValue(metrics, 'codegrant_tokens_issued_total', 'codegrant_tokens_issued_total', {
          grant_type: 'client_credentials',
        }),
        3,
      );
      const requests = (labels: Record<string, string>) =>
        sampleValue(metrics, 'codegrant_http_requests_total', 'codegrant_http_requests_total', labels);
      assert.equal(requests({ endpoint: '/token', method: 'POST', status: '200' }), 3);
      assert.equal(requests({ endpoint: '/token', method: 'POST', status: '401' }), 1);
      assert.equal(
        requests({ endpoint: '/interaction/:id', method: 'GET', status: '400' }),
        1,
        'route patterns',
      );
      assert.equal(requests({ endpoint: 'unmatched', method: 'GET', status: '404' }), 1);
      assert.equal(
        sampleValue(metrics, 'codegrant_oauth_errors_total', 'codegrant_oauth_errors_total', {
          endpoint: '/token',
          error: 'invalid_client',
        }),
        1,
      );

      // The latency histogram: cumulative buckets, +Inf equal to the count.
      const histogram = 'codegrant_http_request_duration_seconds';
      assert.equal(metrics.get(histogram)?.type, 'histogram');
      const buckets = metrics
        .get(histogram)!
        .samples.filter(
          (sample) => sample.name === `${histogram}_bucket` && sample.labels.endpoint === '/token',
        );
      assert.ok(buckets.length > 5);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);
      assert.equal(buckets.at(-1)?.labels.le, '+Inf');
      assert.equal(buckets.at(-1)?.value, 4);
      assert.equal(sampleValue(metrics, histogram, `${histogram}_count`, { endpoint: '/token' }), 4);
      assert.ok((sampleValue(metrics, histogram, `${histogram}_sum`, { endpoint: '/token' }) ?? 0) > 0);

      const store = 'codegrant_store_operation_duration_seconds';
      assert.ok(
        (sampleValue(metrics, store, `${store}_count`, { operation: 'findClient', outcome: 'ok' }) ?? 0) >= 1,
      );
      assert.ok(metrics.has('codegrant_process_cpu_user_seconds_total'), 'process metrics too');
      assert.ok(metrics.has('codegrant_nodejs_eventloop_lag_seconds'));

      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status, 404);
    } finally {
      await stopServe(serving);
    }
  });

  it('answers /healthz and /readyz for load balancers', async () => {
    const port = await freePort();
    const serving = await startServe(['--port', String(port), '--db', freshDb()]);
    try {
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(ready.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await ready.json(), {
        status: 'ready',
        checks: { store: 'ok', signing_keys: 'ok', shutdown: 'no' },
      });
    } finally {
      await stopServe(serving);
    }
  });

  it('loses no request on SIGTERM under load behind a load balancer: readiness turns 503, every request sent is answered, the audit log is complete', async () => {
    const db = freshDb();
    const client = await addMachineClient(db);
    const port = await freePort();
    const serving = await startServe([
      '--port',
      String(port),
      '--db',
      db,
      '--drain-seconds',
      '1',
      '--log',
      'off',
    ]);
    const base = `http://127.0.0.1:${port}`;
    const statuses = new Map<number, number>();
    const errors: string[] = [];
    let answeredAfterSignal = 0;
    let signalled = false;

    // The load balancer: checks /readyz every 100 ms and takes the process out of rotation when
    // it is not ready (or gone).
    let inRotation = true;
    const balancer = (async () => {
      while (inRotation) {
        const ready = await fetch(`${base}/readyz`).then(
          (response) => response.status === 200,
          () => false,
        );
        if (!ready) inRotation = false;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // 16 clients behind it on keep-alive connections, each sending as fast as it is answered.
    const loop = async () => {
      while (inRotation) {
        try {
          const response = await machineToken(base, client);
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (signalled) answeredAfterSignal += 1;
        } catch (error) {
          errors.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
        }
      }
    };
    const loops = Array.from({ length: 16 }, loop);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok((statuses.get(200) ?? 0) > 20, `the load runs: ${statuses.get(200)} answers in a second`);

    const exited = once(serving.child, 'exit');
    serving.child.kill('SIGTERM');
    signalled = true;
    await Promise.all([...loops, balancer]);
    const readiness = await fetch(`${base}/readyz`);
    assert.equal(readiness.status, 503, 'still draining after the balancer noticed');
    assert.equal(
      ((await readiness.json()) as { checks: { shutdown: string } }).checks.shutdown,
      'in progress',
    );
    const [code] = await exited;
    assert.equal(code, 0, serving.stderr());
    await assert.rejects(fetch(`${base}/readyz`), 'gone once shut down');

    assert.deepEqual(errors, [], 'no request lost');
    assert.deepEqual([...statuses.keys()], [200], `only 200 answers: ${JSON.stringify([...statuses])}`);
    assert.ok(
      answeredAfterSignal > 0,
      'requests in flight and sent before the balancer noticed were answered',
    );

    // Every token issued is in the audit log: the last second of events was flushed on shutdown.
    const store = await openSqliteStore(db);
    try {
      const events = await store.listAuditEvents({ limit: 1_000_000, type: 'token', outcome: 'success' });
      assert.equal(events.length, statuses.get(200));
    } finally {
      await store.close();
    }
  });
});

describe('codegrant users for administrators and disabled accounts', () => {
  it('adds an administrator, lists the roles, disables and enables an account', async () => {
    const db = freshDb();
    const add = (name: string, extra: string[] = []) =>
      codegrant(['users', 'add', name, '--password', `${name} has a long password`, '--db', db, ...extra]);
    const added = await add('ada', ['--admin']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^added administrator ada with id /);
    assert.match((await add('bob')).stdout, /^added user bob with id /);

    const list = async () =>
      Object.fromEntries(
        (await codegrant(['users', 'list', '--json', '--db', db])).stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { username: string; admin: boolean; disabled: boolean })
          .map((user) => [user.username, { admin: user.admin, disabled: user.disabled }]),
      );
    assert.deepEqual(await list(), {
      ada: { admin: true, disabled: false },
      bob: { admin: false, disabled: false },
    });

    assert.equal((await codegrant(['users', 'make-admin', 'bob', '--db', db])).code, 0);
    assert.equal((await codegrant(['users', 'remove-admin', 'ada', '--db', db])).code, 0);
    const disabled = await codegrant(['users', 'disable', 'bob', '--db', db]);
    assert.match(disabled.stdout, /disabled bob: it cannot sign in/);
    assert.deepEqual(await list(), {
      ada: { admin: false, disabled: false },
      bob: { admin: true, disabled: true },
    });
    assert.match((await codegrant(['users', 'enable', 'bob', '--db', db])).stdout, /enabled bob/);
    assert.equal((await list()).bob?.disabled, false);
    const missing = await codegrant(['users', 'disable', 'nobody', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nobody/);
  });
});

describe('codegrant audit', () => {
  it('lists, filters and exports the audit log as JSON lines', async () => {
    const db = freshDb();
    const client = await addMachineClient(db);
    const port = await freePort();
    const serving: Serving = await startServe(['--port', String(port), '--db', db]);
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 3; i++) assert.equal((await machineToken(base, client)).status, 200);
      assert.equal((await machineToken(base, client, 'not-the-secret')).status, 401);
    } finally {
      await stopServe(serving);
    }

    const lines = async (args: string[]) => {
      const result = await codegrant(['audit', '--json', '--db', db, ...args]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    const all = await lines(['--limit', '0']);
    assert.equal(all.length, 4);
    assert.deepEqual(
      all.map((event) => [event.type, event.outcome, event.reason]),
      [
        ['token', 'success', null],
        ['token', 'success', null],
        ['token', 'success', null],
        ['token', 'failure', 'invalid_client'],
      ],
    );
    assert.equal(all[0]!.client_id, client.client_id);
    assert.equal(all[0]!.ip, '127.0.0.1');
    assert.deepEqual(all[0]!.details, { grant_type: 'client_credentials' });
    assert.match(String(all[0]!.time), /^\d{4}-\d\d-\d\dT/);
    assert.ok(!JSON.stringify(all).includes(client.client_secret), 'no secret in the log');

    assert.equal((await lines(['--outcome', 'failure'])).length, 1);
    assert.equal((await lines(['--client', client.client_id])).length, 3);
    assert.deepEqual(
      (await lines(['--limit', '2'])).map((event) => event.id),
      all.slice(2).map((event) => event.id),
      'the latest, in time order',
    );
    assert.deepEqual(
      (await lines(['--since', '1h', '--limit', '2'])).map((event) => event.id),
      all.slice(0, 2).map((event) => event.id),
      'the first since then',
    );
    assert.equal((await lines(['--since', '2099-01-01T00:00:00Z'])).length, 0);
    assert.equal((await lines(['--type', 'admin'])).length, 0);

    const table = await codegrant(['audit', '--db', db]);
    assert.match(table.stdout, /^TIME +TYPE +OUTCOME +USERNAME +CLIENT_ID +IP +REASON +DETAILS/);
    assert.match(table.stdout, /invalid_client +grant_type=client_credentials/);
    const wrong = await codegrant(['audit', '--since', 'yesterday', '--db', db]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--since must be a time/);
  });
});

/**
 * The load generator, in its own process so it never competes with the server for an event loop:
 * redeems each pre-minted code once at `POST /token` over keep-alive connections, exactly
 * `concurrency` requests in flight, and reports throughput and latency percentiles to the runner.
 *
 * Protocol: this process sends `{ type: 'ready' }`, the runner sends one {@link LoadJob}, this
 * process answers with one {@link LoadReport} and exits.
 */
import { Agent, request } from 'node:http';

/** What to run. `codes[0 .. warmup)` warm the server up; the rest are measured. */
export interface LoadJob {
  type: 'run';
  port: number;
  codes: string[];
  warmup: number;
  concurrency: number;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  codeVerifier: string;
}

/** The first failed request: enough to see why without rerunning. */
export interface FailedRequest {
  /** HTTP status, or 0 when the request failed below HTTP (connection reset, …). */
  status: number;
  body: string;
}

/** What one phase (warm-up or measured) did. */
export interface PhaseReport {
  requests: number;
  /** Responses other than 200, plus transport failures. */
  failures: number;
  firstFailure: FailedRequest | null;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU used by this load generator (all its threads) per wall-clock second: near 100, it is the bottleneck. */
  clientCpuPercent: number;
}

/** How the subject's token responses look (checked on the first warm-up response). */
export interface TokenShape {
  accessTokenAlg: string;
  accessTokenTyp: string | undefined;
  idTokenAlg: string;
  scope: string | undefined;
  responseBytes: number;
}

/** The answer to a {@link LoadJob}. */
export type LoadReport =
  | { type: 'result'; warmup: PhaseReport; measured: PhaseReport; tokenShape: TokenShape }
  | { type: 'error'; message: string };

interface Outcome {
  status: number;
  body: string;
  latencyNs: bigint;
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (error: unknown) =>
      process.send?.(
        { type: 'error', message: String((error as Error).stack ?? error) } satisfies LoadReport,
        () => process.exit(1),
      ),
  );
});
process.send?.({ type: 'ready' });

async function run(job: LoadJob): Promise<LoadReport> {
  // maxSockets = concurrency: each in-flight request owns one reused connection.
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const authorization = `Basic ${Buffer.from(
    `${encodeURIComponent(job.clientId)}:${encodeURIComponent(job.clientSecret)}`,
  ).toString('base64')}`;
  const bodies = job.codes.map(
    (code) =>
      `grant_type=authorization_code&code=${encodeURIComponent(code)}` +
      `&redirect_uri=${encodeURIComponent(job.redirectUri)}&code_verifier=${encodeURIComponent(job.codeVerifier)}`,
  );
  const send = (body: string): Promise<Outcome> => post(agent, job.port, authorization, body);

  let firstOk: string | undefined;
  const warmup = await phase(bodies.slice(0, job.warmup), job.concurrency, send, (outcome) => {
    if (firstOk === undefined && outcome.status === 200) firstOk = outcome.body;
  });
  if (firstOk === undefined) {
    throw new Error(`no successful response in the warm-up: ${JSON.stringify(warmup.firstFailure)}`);
  }
  const tokenShape = checkTokenResponse(firstOk);
  const measured = await phase(bodies.slice(job.warmup), job.concurrency, send);
  agent.destroy();
  return { type: 'result', warmup, measured, tokenShape };
}

/** Sends every body once, keeping exactly `concurrency` requests in flight until the last ones. */
async function phase(
  bodies: string[],
  concurrency: number,
  send: (body: string) => Promise<Outcome>,
  inspect?: (outcome: Outcome) => void,
): Promise<PhaseReport> {
  const latencies = new Float64Array(bodies.length);
  let next = 0;
  let failures = 0;
  let firstFailure: FailedRequest | null = null;
  const worker = async () => {
    while (next < bodies.length) {
      const index = next++;
      const outcome = await send(bodies[index]!);
      latencies[index] = Number(outcome.latencyNs) / 1e6;
      inspect?.(outcome);
      if (outcome.status !== 200) {
        failures++;
        firstFailure ??= { status: outcome.status, body: outcome.body };
      }
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort();
  return {
    requests: bodies.length,
    failures,
    firstFailure,
    seconds,
    requestsPerSecond: bodies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? 0,
    clientCpuPercent: (cpu.user + cpu.system) / 1e4 / seconds,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** One `POST /token`, timed from before the request is written until the last byte of the response. */
function post(agent: Agent, port: number, authorization: string, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const fail = (error: Error) =>
      resolve({
        status: 0,
        body: `${error.name}: ${error.message}`,
        latencyNs: process.hrtime.bigint() - started,
      });
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
          authorization,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, latencyNs: process.hrtime.bigint() - started }),
        );
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * Both subjects must do the same work: a JWT access token and an ID token, both ES256. A subject
 * answering with an opaque access token would be measured doing less.
 */
function checkTokenResponse(body: string): TokenShape {
  const response = JSON.parse(body) as Record<string, unknown>;
  const accessToken = jwtHeader(response.access_token, 'access_token');
  const idToken = jwtHeader(response.id_token, 'id_token');
  if (accessToken.alg !== 'ES256' || idToken.alg !== 'ES256') {
    throw new Error(`expected ES256 tokens, got access_token ${accessToken.alg}, id_token ${idToken.alg}`);
  }
  return {
    accessTokenAlg: String(accessToken.alg),
    accessTokenTyp: accessToken.typ === undefined ? undefined : String(accessToken.typ),
    idTokenAlg: String(idToken.alg),
    scope: typeof response.scope === 'string' ? response.scope : undefined,
    responseBytes: Buffer.byteLength(body),
  };
}

function jwtHeader(token: unknown, name: string): Record<string, unknown> {
  if (typeof token !== 'string' || token.split('.').length !== 3) {
    throw new Error(`${name} is not a JWS compact JWT (3 dot-separated parts): ${JSON.stringify(token)}`);
  }
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Seconds: from a fast token exchange (~1 ms) to a slow password hash or upstream round trip. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds: store calls are sub-millisecond on SQLite and a round trip on PostgreSQL. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];

/**
 * The Prometheus metrics of one server process, in a registry of their own (never prom-client's
 * global one, so an app embedding the server keeps its own metrics apart). Names follow the
 * Prometheus conventions: a `codegrant_` prefix, base units (seconds), `_total` for counters.
 * Labels are bounded: endpoints are route patterns (`/interaction/:id`), never raw paths.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** Requests answered, by endpoint, method and status. */
  readonly requests = new Counter({
    name: 'codegrant_http_requests_total',
    help: 'HTTP requests answered, by endpoint (route pattern), method and status',
    labelNames: ['endpoint', 'method', 'status'] as const,
    registers: [this.registry],
  });
  /** How long requests took, by endpoint. */
  readonly requestDuration = new Histogram({
    name: 'codegrant_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by endpoint (route pattern)',
    labelNames: ['endpoint'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  /** Successful token responses, by grant type. */
  readonly tokensIssued = new Counter({
    name: 'codegrant_tokens_issued_total',
    help: 'Token responses issued at the token endpoint, by grant type',
    labelNames: ['grant_type'] as const,
    registers: [this.registry],
  });
  /** OAuth error answers, by endpoint and error code. */
  readonly refusals = new Counter({
    name: 'codegrant_oauth_errors_total',
    help: 'Requests refused with an OAuth error, by endpoint (route pattern) and error code',
    labelNames: ['endpoint', 'error'] as const,
    registers: [this.registry],
  });
  /** How long store operations took, by operation. */
  readonly storeDuration = new Histogram({
    name: 'codegrant_store_operation_duration_seconds',
    help: 'Time of a store (database) operation, by operation',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    // Process CPU, memory, event loop lag, handles: what an operator graphs next to ours.
    collectDefaultMetrics({ register: this.registry, prefix: 'codegrant_' });
  }

  /** The Prometheus text exposition of every metric, with its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

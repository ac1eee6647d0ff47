/**
 * The tracing hook: what the server needs of an OpenTelemetry tracer, declared here so that the
 * server depends on no tracing package. `trace.getTracer('codegrant')` of `@opentelemetry/api`
 * fits it; so does any tracer with the same two calls.
 */

/** The part of an OpenTelemetry `Span` the server uses. */
export interface TraceSpan {
  setAttribute(key: string, value: string | number): unknown;
  updateName(name: string): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the server uses. */
export interface Tracer {
  startActiveSpan<F extends (span: TraceSpan) => unknown>(name: string, fn: F): ReturnType<F>;
}

/** OpenTelemetry's `SpanStatusCode.ERROR`. */
const ERROR = 2;

/**
 * Runs `handle` inside a server span named by the route that answered (`POST /token`), with the
 * HTTP semantic-convention attributes; a 5xx answer marks the span as an error.
 */
export async function traced(
  tracer: Tracer,
  method: string,
  path: string,
  handle: () => Promise<{ status: number; route: string }>,
): Promise<void> {
  await tracer.startActiveSpan(method, async (span) => {
    try {
      const { status, route } = await handle();
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.request.method', method);
      span.setAttribute('http.route', route);
      span.setAttribute('url.path', path);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: ERROR, message: `HTTP ${status}` });
    } finally {
      span.end();
    }
  });
}

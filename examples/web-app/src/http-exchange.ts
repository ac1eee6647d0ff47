/** One request as the app sent it, for display: credentials masked, the body exactly as sent. */
export interface RecordedRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: [name: string, value: string][];
  body?: string;
}

/** One response as the app received it. */
export interface RecordedResponse {
  status: number;
  statusText: string;
  headers: [name: string, value: string][];
  body: string;
}

/** A back-channel request of the app and what came back (`response` is absent when the server could not be reached). */
export interface HttpExchange {
  request: RecordedRequest;
  response?: RecordedResponse;
  /** Why there is no response. */
  failure?: string;
}

/** A request to send with {@link sendRecorded}. */
export interface OutgoingRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  body?: URLSearchParams;
  /** Header values to show instead of the real ones (e.g. `Basic ****`). */
  shownHeaders?: Record<string, string>;
}

/** How long the app waits for the identity provider. */
const TIMEOUT_MS = 10_000;

/**
 * Sends a request with `fetch` and records both sides for the playground page. Never throws for
 * network failures: they are recorded in `failure`, to be shown like any other answer.
 *
 * @returns the exchange, and the response body parsed when it is JSON
 */
export async function sendRecorded(
  request: OutgoingRequest,
): Promise<{ exchange: HttpExchange; json: unknown }> {
  const headers = { ...request.headers };
  const body = request.body?.toString();
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const exchange: HttpExchange = {
    request: {
      method: request.method,
      url: request.url,
      headers: Object.entries({ ...headers, ...request.shownHeaders }),
      ...(body === undefined ? {} : { body }),
    },
  };
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    exchange.failure = `could not reach ${request.url}: ${describeFetchError(error)}`;
    return { exchange, json: undefined };
  }
  const text = await response.text();
  exchange.response = {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body: text,
  };
  return { exchange, json: parseJson(response.headers.get('content-type'), text) };
}

/** A readable reason for a failed `fetch` (Node puts the useful part, like `ECONNREFUSED`, in `cause`). */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}

function parseJson(contentType: string | null, text: string): unknown {
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

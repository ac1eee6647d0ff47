import { fail, isDPoPNonceError } from './errors.ts';
import { allowHttp, customFetch, dpopNonce, dpopProof } from './symbols.ts';
import { type AuthorizationServer, isObject } from './types.ts';

/**
 * The body types a {@link CustomFetch} may receive.
 *
 * @see https://fetch.spec.whatwg.org/#bodyinit-unions
 */
export type FetchBody =
  | ArrayBuffer
  | null
  | ReadableStream
  | string
  | Uint8Array
  | undefined
  | URLSearchParams;

/**
 * What a {@link CustomFetch} is called with (openid-client's `CustomFetchOptions`).
 *
 * @see https://fetch.spec.whatwg.org/#requestinit
 */
export interface CustomFetchOptions {
  body: FetchBody;
  headers: Record<string, string>;
  method: string;
  redirect: 'manual';
  signal?: AbortSignal;
}

/**
 * A `fetch` replacement: custom CA, proxies, tests.
 *
 * @see https://fetch.spec.whatwg.org/#fetch-method
 */
export type CustomFetch = (url: string, options: CustomFetchOptions) => Promise<Response>;

/**
 * A sender-constraining key (RFC 9449), from {@link getDPoPHandle} or {@link DPoP}. Its proofs and
 * learnt nonces stay inside; requests given one carry a `DPoP` header.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export interface DPoPHandle {
  /** The JWK SHA-256 thumbprint of the public key (RFC 7638), the `dpop_jkt` of RFC 9449 §10. */
  calculateThumbprint(): Promise<string>;
  [dpopProof](method: string, url: URL, accessToken?: string): Promise<string>;
  [dpopNonce](url: URL, response: Response): void;
}

/**
 * Options of every request this library sends.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
export interface HttpRequestOptions {
  /** Use this instead of the global `fetch`. */
  [customFetch]?: CustomFetch | undefined;
  /** Allow `http:` URLs (development only). */
  [allowHttp]?: boolean | undefined;
  /** Abort the request on this signal instead of the timeout. */
  signal?: AbortSignal | undefined;
  /** Seconds to wait for a response (default 30). */
  timeout?: number | undefined;
}

/**
 * Requests that may be sender-constrained with DPoP.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4
 */
export interface DPoPRequestOptions {
  /** Prove possession of this key (RFC 9449). */
  DPoP?: DPoPHandle | undefined;
}

/** @internal The URL of an endpoint the server advertises, or `ERR_MISSING_METADATA`. */
export function endpoint(as: AuthorizationServer, name: string): string {
  const url = as[name];
  if (typeof url !== 'string') fail('ERR_MISSING_METADATA', `the server metadata has no ${name}`);
  return url;
}

/** @internal `https:` only, unless `http:` is allowed. */
export function checkUrl(url: URL, options: HttpRequestOptions | undefined): URL {
  if (url.protocol !== 'https:' && (url.protocol !== 'http:' || !options?.[allowHttp])) {
    fail('ERR_INSECURE_REQUEST', `${url.href}: only https: URLs are allowed (see allowInsecureRequests)`);
  }
  return url;
}

/** @internal Seconds to wait for a response when no `timeout` is given. */
export const defaultTimeout = 30;

/** The timeout signal of the latest requests: see {@link send}. */
let latest: { at: number; seconds: number; users: number; signal: AbortSignal } | undefined;

/**
 * @internal Sends one request: https enforced, redirects never followed, a timeout, the DPoP proof
 * when a handle is given, and the server's DPoP nonce remembered. The timeout covers reading the
 * body too.
 */
export async function send(
  url: string | URL,
  method: string,
  headers: Headers,
  body: FetchBody,
  options: HttpRequestOptions & DPoPRequestOptions = {},
  accessToken?: string,
): Promise<Response> {
  const target = checkUrl(new URL(url), options);
  const dpop = options.DPoP;
  if (dpop) headers.set('dpop', await dpop[dpopProof](method, target, accessToken));
  const timeout = options.timeout ?? defaultTimeout;
  let signal = options.signal;
  if (!signal) {
    // Requests started within one millisecond share a timeout signal (four at most, so that a
    // customFetch adding a listener to each stays below Node.js's leak warning): a signal per
    // request costs as much as the checks of a whole token response, and timers are precise to the
    // millisecond anyway (hence the +1).
    const now = Date.now();
    if (latest?.at !== now || latest.seconds !== timeout || ++latest.users > 4)
      latest = { at: now, seconds: timeout, users: 1, signal: AbortSignal.timeout(timeout * 1000 + 1) };
    signal = latest.signal;
  }
  try {
    const response = await (options[customFetch] ?? (fetch as CustomFetch))(target.href, {
      method,
      headers: Object.fromEntries(headers),
      body,
      redirect: 'manual',
      signal,
    });
    dpop?.[dpopNonce](target, response);
    return response;
  } catch (cause) {
    if ((cause as Error)?.name === 'TimeoutError') {
      fail('ERR_TIMEOUT', `${method} ${target.href}: no response within ${timeout} s`, { cause });
    }
    throw cause;
  }
}

/**
 * @internal Reads a JSON object from a response that must have `status`; any other status becomes
 * `ERR_SERVER_ERROR` (with the server's `error`) or `ERR_UNEXPECTED_STATUS`.
 */
export async function readJson(
  response: Response,
  what: string,
  status = 200,
  challenge?: Record<string, string>,
): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {}
  if (response.status !== status)
    failStatus(response, what, status, isObject(body) && typeof body.error === 'string' ? body : challenge);
  if (!isObject(body)) fail('ERR_NOT_JSON', `${what}: the response body is not a JSON object`, { response });
  return body;
}

/**
 * @internal Throws for a response of an unexpected status, exposing the OAuth error of its JSON
 * body (RFC 6749 §5.2) or of its `WWW-Authenticate` challenge (RFC 6750 §3).
 */
function failStatus(
  response: Response,
  what: string,
  expected: number,
  oauthError: Record<string, unknown> = {},
): never {
  const { status } = response;
  const { error, error_description, error_uri } = oauthError as Record<string, string>;
  if (error) {
    fail(
      'ERR_SERVER_ERROR',
      `${what} answered HTTP ${status} ${error}${error_description ? `: ${error_description}` : ''}`,
      { error, error_description, error_uri, status, response },
    );
  }
  const redirect = status > 299 && status < 400 ? ' (redirects are not followed)' : '';
  fail('ERR_UNEXPECTED_STATUS', `${what}: expected HTTP ${expected}, got ${status}${redirect}`, {
    status,
    response,
  });
}

/** @internal Runs a request once more when it failed for want of a DPoP nonce (RFC 9449 §8). */
export function retryOnDPoPNonce<T>(
  options: DPoPRequestOptions | undefined,
  run: () => Promise<T>,
): Promise<T> {
  return options?.DPoP ? run().catch((err) => (isDPoPNonceError(err) ? run() : Promise.reject(err))) : run();
}

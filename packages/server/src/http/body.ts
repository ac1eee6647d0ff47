import { DuplicateParameterError, uniqueParameters } from '@codegrant/protocol';
import { invalidRequest, OAuthError } from '../errors.ts';

/** Request bodies above this size are refused with 413 before they are parsed. */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body into a record of parameters.
 * Refuses another content type (400), a body over {@link MAX_FORM_BYTES} (413, checked against
 * `Content-Length` and again while streaming, so a lying or chunked client cannot get past it),
 * and any parameter sent twice (RFC 6749 §3.2).
 */
export async function readFormParameters(request: Request): Promise<Record<string, string>> {
  return parseUniqueParameters(await readFormSearchParams(request));
}

/** Like {@link readFormParameters}, keeping repeated parameters (for callers that report them their own way). */
export async function readFormSearchParams(request: Request): Promise<URLSearchParams> {
  const contentType = request.headers.get('content-type') ?? '';
  if (mediaType(contentType) !== 'application/x-www-form-urlencoded') {
    throw invalidRequest(
      `the request body must be application/x-www-form-urlencoded, got ${contentType ? `"${contentType}"` : 'none'}`,
    );
  }
  return new URLSearchParams(await readLimitedText(request));
}

/** `uniqueParameters` with its duplicate error turned into `invalid_request`. */
export function parseUniqueParameters(params: URLSearchParams): Record<string, string> {
  try {
    return uniqueParameters(params);
  } catch (error) {
    if (error instanceof DuplicateParameterError) throw invalidRequest(error.message);
    throw error;
  }
}

/** The media type of a `Content-Type` value, lower case, without parameters. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function payloadTooLarge(): OAuthError {
  return new OAuthError('invalid_request', `the request body exceeds ${MAX_FORM_BYTES} bytes`, {
    status: 413,
  });
}

async function readLimitedText(request: Request): Promise<string> {
  const contentLength = request.headers.get('content-length');
  let bytes: Uint8Array;
  if (contentLength !== null) {
    if (!/^\d+$/.test(contentLength)) throw invalidRequest('malformed Content-Length');
    if (Number(contentLength) > MAX_FORM_BYTES) throw payloadTooLarge();
    // The HTTP layer delivers exactly Content-Length bytes, so the size is known: read it at once
    // (on Node this skips building a stream, a measurable share of a token request).
    bytes = new Uint8Array(await request.arrayBuffer());
  } else {
    bytes = await readStreamLimited(request.body);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidRequest('the request body is not valid UTF-8');
  }
}

/** Reads a body of unannounced size (chunked), giving up as soon as it passes the limit. */
async function readStreamLimited(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_FORM_BYTES) {
      await reader.cancel();
      throw payloadTooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads an `application/json` body (registration requests, RFC 7591 §3.1) with the same size
 * limit as forms.
 *
 * @throws {OAuthError} 400 for another content type or malformed JSON (`invalid_client_metadata`
 *   is the registration endpoint's code for the latter), 413 above the limit
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  if (mediaType(contentType) !== 'application/json') {
    throw invalidRequest(
      `the request body must be application/json, got ${contentType ? `"${contentType}"` : 'none'}`,
    );
  }
  const text = await readLimitedText(request);
  try {
    return JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_client_metadata', 'the request body is not valid JSON');
  }
}

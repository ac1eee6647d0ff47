import type { OAuthError } from '../errors.ts';

/** Headers of every response that carries tokens or credentials (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** A JSON response that no cache keeps: token, userinfo and error responses. */
export function jsonNoStore(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...NO_STORE, ...headers },
  });
}

/** The 404 of a path with no endpoint (or one that is off). */
export function notFound(request: Request): Response {
  return jsonNoStore(
    {
      error: 'not_found',
      error_description: `no endpoint at ${request.method} ${new URL(request.url).pathname}`,
    },
    404,
  );
}

/** The RFC 6749 §5.2 / RFC 6750 §3 JSON response of an {@link OAuthError}. */
export function oauthErrorResponse(error: OAuthError, headers: Record<string, string> = {}): Response {
  const extra: Record<string, string> = { ...headers, ...error.headers };
  if (error.wwwAuthenticate) extra['www-authenticate'] = error.wwwAuthenticate;
  return jsonNoStore(error.toJSON(), error.status, extra);
}

/** A public, cacheable JSON document (discovery, JWKS). */
export function jsonPublic(body: unknown, maxAgeSeconds: number): Response {
  return new Response(JSON.stringify(body), {
    headers: {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${maxAgeSeconds}`,
      'access-control-allow-origin': '*',
    },
  });
}

/** A 303 See Other redirect: after a POST the browser follows with GET (RFC 9110 §15.4.4). */
export function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, {
    status: 303,
    headers: { location, ...NO_STORE, 'referrer-policy': 'no-referrer', ...headers },
  });
}

/**
 * CORS for the endpoints a browser app (SPA) calls directly: discovery, JWKS, token, userinfo.
 * They use no cookies, so any origin may call them (`*`); the answers carry no ambient authority.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'www-authenticate, dpop-nonce',
};

/** The answer to a CORS preflight (`OPTIONS`) for those endpoints. */
export function corsPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS_HEADERS,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, dpop',
      'access-control-max-age': '86400',
    },
  });
}

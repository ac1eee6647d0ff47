const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL host name (as `URL.hostname` gives it) names this machine. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * The checks every URI a client registers for us to send to must pass: no spaces or control
 * characters (URIs are compared as exact strings, and anything the URL parser would trim never
 * matches), an absolute URL, no fragment, no credentials.
 *
 * @param kind what the URI is, for the message ("redirect URIs")
 * @returns the parsed URL, or why the URI fails
 */
export function parseRegisteredUri(uri: string, kind: string): URL | string {
  if (/[\s\p{Cc}]/u.test(uri)) return 'contains spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (uri.includes('#')) return `has a fragment (#), which ${kind} must not have`;
  if (url.username || url.password) return 'contains credentials';
  return url;
}

/** Why an `http:` URL may not be registered: only a loopback host may be spoken to in the clear. */
export function plainHttpProblem(url: URL): string | undefined {
  return isLoopbackHost(url.hostname)
    ? undefined
    : 'uses http on a host other than localhost, 127.0.0.1 or [::1]: use https';
}

/**
 * Why `uri` cannot be registered as a redirect URI, or `undefined` when it can: an absolute URL
 * without fragment or credentials (RFC 6749 §3.1.2), using `https`, `http` on a loopback host only,
 * or a private-use scheme, which must contain a dot (a reversed domain name, RFC 8252 §7.1).
 */
export function redirectUriProblem(uri: string): string | undefined {
  const url = parseRegisteredUri(uri, 'redirect URIs');
  if (typeof url === 'string') return url;
  switch (url.protocol) {
    case 'https:':
      return undefined;
    case 'http:':
      return plainHttpProblem(url);
    case 'javascript:':
    case 'data:':
      return `uses the ${url.protocol} scheme, whose content the browser would run`;
  }
  return url.protocol.includes('.')
    ? undefined
    : `uses the scheme ${url.protocol}, which is neither https, loopback http, nor a private-use scheme with a dot (e.g. com.example.app:/callback)`;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL host name (as `URL.hostname` gives it) names this machine. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * Why `uri` cannot be registered as a redirect URI, or `undefined` when it can: an absolute URL
 * without fragment or credentials (RFC 6749 §3.1.2), using `https`, `http` on a loopback host only,
 * or a private-use scheme, which must contain a dot (a reversed domain name, RFC 8252 §7.1).
 */
export function redirectUriProblem(uri: string): string | undefined {
  // The server compares redirect URIs as exact strings: anything the URL parser would trim never matches.
  if (/[\s\p{Cc}]/u.test(uri)) return 'contains spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (uri.includes('#')) return 'has a fragment (#), which redirect URIs must not have';
  if (url.username || url.password) return 'contains credentials';
  switch (url.protocol) {
    case 'https:':
      return undefined;
    case 'http:':
      return isLoopbackHost(url.hostname)
        ? undefined
        : 'uses http on a host other than localhost, 127.0.0.1 or [::1]: use https';
    case 'javascript:':
    case 'data:':
      return `uses the ${url.protocol} scheme, whose content the browser would run`;
  }
  return url.protocol.includes('.')
    ? undefined
    : `uses the scheme ${url.protocol}, which is neither https, loopback http, nor a private-use scheme with a dot (e.g. com.example.app:/callback)`;
}

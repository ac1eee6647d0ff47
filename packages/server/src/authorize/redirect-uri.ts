const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);

/**
 * Whether a requested redirect URI matches one of the registered ones: exact string comparison
 * (RFC 9700 §4.1.3), except that a native app's loopback IP redirect may use any port
 * (RFC 8252 §7.3), because the app picks a free port at run time. `localhost` does not get the
 * exception (RFC 8252 §8.3 recommends the IP literal).
 */
export function isRegisteredRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const requestedUrl = loopbackUrl(requested);
  if (!requestedUrl) return false;
  return registered.some((candidate) => {
    const registeredUrl = loopbackUrl(candidate);
    return (
      registeredUrl !== undefined &&
      registeredUrl.hostname === requestedUrl.hostname &&
      registeredUrl.pathname === requestedUrl.pathname &&
      registeredUrl.search === requestedUrl.search
    );
  });
}

/** The URL if it is an `http` loopback IP URL without credentials or fragment. */
function loopbackUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_IPS.has(url.hostname)) return undefined;
  if (url.username || url.password || url.hash) return undefined;
  return url;
}

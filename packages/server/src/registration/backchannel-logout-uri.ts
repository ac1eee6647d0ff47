import { isLoopbackHost } from './redirect-uri-policy.ts';

/**
 * Why `uri` cannot be registered as a `backchannel_logout_uri`, or `undefined` when it can
 * (OpenID Connect Back-Channel Logout 1.0 §2.2): an absolute `https` URL, with no fragment and no
 * credentials; `http` only on a loopback host (localhost, 127.0.0.1, [::1]), for development, as
 * for redirect URIs. Query parameters are allowed and kept.
 */
export function backchannelLogoutUriProblem(uri: string): string | undefined {
  if (/[\s\p{Cc}]/u.test(uri)) return 'contains spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (uri.includes('#')) return 'has a fragment (#), which a back-channel logout URI must not have';
  if (url.username || url.password) return 'contains credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : 'uses http on a host other than localhost, 127.0.0.1 or [::1]: use https';
  }
  return `uses the scheme ${url.protocol}: a back-channel logout URI is https (http on loopback only)`;
}

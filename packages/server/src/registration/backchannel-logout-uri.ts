import { parseRegisteredUri, plainHttpProblem } from './redirect-uri-policy.ts';

/**
 * Why `uri` cannot be registered as a `backchannel_logout_uri`, or `undefined` when it can
 * (OpenID Connect Back-Channel Logout 1.0 §2.2): an absolute `https` URL, with no fragment and no
 * credentials; `http` only on a loopback host (localhost, 127.0.0.1, [::1]), for development, as
 * for redirect URIs. Query parameters are allowed and kept.
 */
export function backchannelLogoutUriProblem(uri: string): string | undefined {
  const url = parseRegisteredUri(uri, 'a back-channel logout URI');
  if (typeof url === 'string') return url;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return plainHttpProblem(url);
  return `uses the scheme ${url.protocol}: a back-channel logout URI is https (http on loopback only)`;
}

import { redirectUriOf } from '../authorization-url.ts';
import type { Client } from '../types.ts';

/**
 * @internal The callback URL with the authorization response in its query (a `form_post` body
 * moved there), and the redirect URI to send at the token endpoint: the configured one, or the
 * callback URL without query and fragment (openid-client's rule).
 *
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */
export async function authorizationRedirectUri(
  currentUrl: URL | Request,
  client: Client,
): Promise<[URL, string]> {
  let url: URL;
  if (currentUrl instanceof URL) url = new URL(currentUrl);
  else if (typeof currentUrl?.url === 'string' && currentUrl.method === 'GET') url = new URL(currentUrl.url);
  else if (
    currentUrl?.method === 'POST' &&
    currentUrl.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')
  ) {
    url = new URL(currentUrl.url);
    for (const [name, value] of new URLSearchParams(await currentUrl.text()))
      url.searchParams.append(name, value);
  } else {
    throw new TypeError('"currentUrl" must be a URL, or a GET or form_post Request');
  }
  const redirectUri = new URL(url);
  redirectUri.search = redirectUri.hash = '';
  return [url, redirectUriOf(client) ?? redirectUri.href];
}

/**
 * @internal The URL of a callback `Request` with the authorization response in its query: a GET's
 * own, or a POST `form_post`'s body moved there.
 *
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */
export async function callbackUrl(request: Request): Promise<URL> {
  if (typeof request?.url === 'string' && request.method === 'GET') return new URL(request.url);
  if (
    request?.method === 'POST' &&
    request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')
  ) {
    const url = new URL(request.url);
    for (const [name, value] of new URLSearchParams(await request.text()))
      url.searchParams.append(name, value);
    return url;
  }
  throw new TypeError('"currentUrl" must be a URL, or a GET or form_post Request');
}

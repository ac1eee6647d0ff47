import { seeOther } from '../http/responses.ts';
import { formPostPage } from '../pages/form-post-page.ts';
import type { ResponseTarget } from './authorization-error.ts';

/**
 * Sends an authorization response (success or error) to the client's redirect URI: as a query
 * (303 redirect) or a `form_post` page. `state` is echoed and `iss` added to every response,
 * errors included (RFC 9207 §2), so the client can tell which server answered (mix-up defence).
 */
export function sendAuthorizationResponse(
  issuer: string,
  target: ResponseTarget,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  const all: Record<string, string> = { ...params };
  if (target.state !== undefined) all.state = target.state;
  all.iss = issuer;
  if (target.responseMode === 'form_post') {
    const page = formPostPage(target.redirectUri, all);
    for (const [name, value] of Object.entries(headers)) page.headers.append(name, value);
    return page;
  }
  const url = new URL(target.redirectUri);
  for (const [name, value] of Object.entries(all)) url.searchParams.set(name, value);
  return seeOther(url.href, headers);
}

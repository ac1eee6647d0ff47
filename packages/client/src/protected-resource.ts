import { type DPoPRequestOptions, type FetchBody, type HttpRequestOptions, send } from './http.ts';

/**
 * Options of {@link protectedResourceRequest}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface ProtectedResourceRequestOptions extends HttpRequestOptions, DPoPRequestOptions {}

/**
 * Calls a protected resource with an access token: `Authorization: Bearer <token>`, or with a DPoP
 * handle `Authorization: DPoP <token>` and a proof bound to the token (`ath`). The response is
 * returned as it is; redirects are not followed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export async function protectedResourceRequest(
  accessToken: string,
  method: string,
  url: URL,
  headers?: Headers,
  body?: FetchBody,
  options?: ProtectedResourceRequestOptions,
): Promise<Response> {
  if (typeof accessToken !== 'string' || !accessToken) throw new TypeError('invalid "accessToken"');
  const requestHeaders = new Headers(headers);
  requestHeaders.set('authorization', `${options?.DPoP ? 'DPoP' : 'Bearer'} ${accessToken}`);
  return send(url, method, requestHeaders, body, options, accessToken);
}

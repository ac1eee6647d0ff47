/**
 * @internal The auth-params of the `WWW-Authenticate` challenges of a response (RFC 9110 §11.6.1),
 * merged (the first occurrence of a name wins): enough to read `error`, `error_description` and
 * `algs` of Bearer (RFC 6750 §3) and DPoP (RFC 9449 §7.1) challenges.
 */
export function challengeOf(response: Response): Record<string, string> | undefined {
  const header = response.headers.get('www-authenticate');
  if (!header) return undefined;
  const params: Record<string, string> = {};
  for (const [, name, quoted, token] of header.matchAll(
    /([\w!#$%&'*+.^`|~-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g,
  )) {
    params[name!.toLowerCase()] ??= quoted?.replace(/\\(.)/g, '$1') ?? token!;
  }
  return params;
}

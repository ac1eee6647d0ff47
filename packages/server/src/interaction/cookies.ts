/** The cookies of the identity provider. `__Host-` names on https pin them to our origin (RFC 6265bis §4.1.3.2). */
export interface CookieNames {
  session: string;
  browser: string;
  /** The double-submit CSRF value of the account pages (`accounts/form-csrf.ts`). */
  csrf: string;
  /** The account page's own sign-in in progress: state, PKCE verifier, where to return. */
  accountFlow: string;
  /** A sign-in at an upstream provider in progress (`upstream/flow-cookie.ts`). */
  upstream: string;
  /** The admin console's session handle (`admin/console-session.ts`). */
  admin: string;
  /** The admin console's sign-in in progress: state, nonce, PKCE verifier, where to return. */
  adminFlow: string;
}

/** The cookie names for an issuer: `__Host-` prefixed when served over https. */
export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}cg_session`,
    browser: `${prefix}cg_browser`,
    csrf: `${prefix}cg_csrf`,
    accountFlow: `${prefix}cg_account_flow`,
    upstream: `${prefix}cg_upstream`,
    admin: `${prefix}cg_admin`,
    adminFlow: `${prefix}cg_admin_flow`,
  };
}

/** The value of cookie `name` in the request, if sent. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A `Set-Cookie` value: always HttpOnly (no script reads it), SameSite=Lax (sent on top-level
 * navigations from clients, not on cross-site posts), Path=/, Secure on https. `maxAge` 0 deletes
 * it; without one it lasts the browser session.
 */
export function serializeCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAge?: number; sameSite?: 'Lax' | 'Strict' },
): string {
  let cookie = `${name}=${value}; Path=/; HttpOnly; SameSite=${options.sameSite ?? 'Lax'}`;
  if (options.secure) cookie += '; Secure';
  if (options.maxAge !== undefined) cookie += `; Max-Age=${options.maxAge}`;
  return cookie;
}

/** Adds `Set-Cookie` headers to a response. */
export function withCookies(response: Response, cookies: string[]): Response {
  for (const cookie of cookies) response.headers.append('set-cookie', cookie);
  return response;
}

/**
 * A minimal browser for tests: a cookie jar per origin, redirects not followed (each hop is
 * observable), and helpers to read and submit the server's HTML forms over HTTP.
 */
export class TestBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** Sends a request with this browser's cookies and keeps the `Set-Cookie`s it gets. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target.host);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) this.#store(target.host, cookie);
    return response;
  }

  /** Submits a form like a browser: urlencoded POST. */
  postForm(url: string | URL, fields: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  }

  /** The `Cookie` header this browser sends to a host (empty when it has none). */
  cookieHeader(host: string): string {
    return [...(this.#cookies.get(host) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The names of the cookies this browser holds for a host. */
  cookieNames(host: string): string[] {
    return [...(this.#cookies.get(host)?.keys() ?? [])];
  }

  /** Forgets every cookie of a host (a new browser for that site). */
  clearCookies(host: string): void {
    this.#cookies.delete(host);
  }

  #store(host: string, setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const jar = this.#cookies.get(host) ?? new Map<string, string>();
    this.#cookies.set(host, jar);
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}

/** The first form of an HTML page: its action and the values of its hidden inputs. */
export function readForm(html: string): { action: string; hidden: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in page: ${html.slice(0, 300)}`);
  const hidden: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    hidden[decodeEntities(match[1]!)] = decodeEntities(match[2]!);
  }
  return { action: decodeEntities(action), hidden };
}

function decodeEntities(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

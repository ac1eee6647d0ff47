/**
 * The end-user's browser for relying-party tests: it follows every redirect, whichever site sends
 * it, fills in the identity provider's login and consent pages, and submits `form_post` responses
 * as their script would, until it lands on a page of the relying party.
 */
import { readForm, type TestBrowser } from '../../../../server/test/helpers/browser.ts';
import { answerPage, type EndUser } from '../../../../server/test/helpers/sign-in.ts';

/** Where the browser ended and how it got there. */
export interface Visit {
  /** The last response: not a redirect and not a page of ours the user answers. */
  response: Response;
  /** Its URL. */
  url: URL;
  /** Every URL requested, in order (the first included). */
  visited: URL[];
  /** The identity provider's pages the user answered, in order. */
  pagesShown: Array<'login' | 'consent' | 'form_post'>;
}

/**
 * Opens `start` (GET, or the given request) and browses on as a person would. Redirects are
 * followed with GET (301, 302, 303: what sign-in flows send).
 */
export async function browse(
  browser: TestBrowser,
  start: URL | string,
  user?: EndUser,
  init: RequestInit = {},
): Promise<Visit> {
  const visited: URL[] = [new URL(start)];
  const pagesShown: Visit['pagesShown'] = [];
  let response = await browser.fetch(start, init);
  for (let hop = 0; hop < 20; hop++) {
    const url = visited.at(-1)!;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      visited.push(new URL(location, url));
      response = await browser.fetch(visited.at(-1)!);
      continue;
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/html')) return { response, url, visited, pagesShown };
    const html = await response.clone().text();
    const answer = html.includes('document.forms[0].submit()')
      ? { page: 'form_post' as const, fields: {} }
      : answerPage(html, user);
    if (!answer) return { response, url, visited, pagesShown };
    pagesShown.push(answer.page);
    const form = readForm(html);
    visited.push(new URL(form.action, url));
    response = await browser.postForm(visited.at(-1)!, { ...form.hidden, ...answer.fields });
  }
  throw new Error(`too many hops: ${visited.join(' → ')}`);
}

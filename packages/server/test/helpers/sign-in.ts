import assert from 'node:assert/strict';
import { readForm, type TestBrowser } from './browser.ts';

/** How the end-user answers the pages of the identity provider. */
export interface EndUser {
  username: string;
  password: string;
  /** The consent page's button (default approve). */
  consent?: 'approve' | 'deny';
}

/** What happened on the way from the authorization request back to the client. */
export interface SignInResult {
  /** The URL the browser was finally sent to: the client's redirect URI with the response. */
  callbackUrl: URL;
  /** Which pages were shown, in order. */
  pagesShown: Array<'login' | 'consent'>;
}

/**
 * Drives a browser from an authorization URL back to the client's redirect URI, following each
 * 303 by hand and filling the login and consent forms over HTTP as a person would.
 */
export async function signIn(
  browser: TestBrowser,
  authorizationUrl: URL | string,
  redirectUri: string,
  user: EndUser | undefined,
): Promise<SignInResult> {
  const pagesShown: SignInResult['pagesShown'] = [];
  let response = await browser.fetch(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    if (response.status === 303) {
      const location = new URL(response.headers.get('location')!, authorizationUrl);
      if (location.href.startsWith(redirectUri)) return { callbackUrl: location, pagesShown };
      response = await browser.fetch(location);
      continue;
    }
    const html = await response.text();
    assert.equal(response.status, 200, `unexpected ${response.status} page: ${html.slice(0, 500)}`);
    const answer = answerPage(html, user);
    if (!answer) throw new Error(`unexpected page: ${html.slice(0, 500)}`);
    pagesShown.push(answer.page);
    const form = readForm(html);
    response = await browser.postForm(form.action, { ...form.hidden, ...answer.fields });
  }
  throw new Error('too many hops');
}

/**
 * How the end-user answers a page of the identity provider: the login form (username and
 * password) or the consent form (their decision); `undefined` for any other page.
 */
export function answerPage(
  html: string,
  user: EndUser | undefined,
): { page: 'login' | 'consent'; fields: Record<string, string> } | undefined {
  if (html.includes('type="password"')) {
    assert.ok(user, 'the login page was shown, but no end-user was given');
    return { page: 'login', fields: { username: user.username, password: user.password } };
  }
  if (html.includes('name="decision"')) {
    assert.ok(user, 'the consent page was shown, but no end-user was given');
    return { page: 'consent', fields: { decision: user.consent ?? 'approve' } };
  }
  return undefined;
}

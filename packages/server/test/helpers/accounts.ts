/**
 * The set-up of the account-flow tests: the identity provider with its account options, a real
 * SMTP server it mails through, a clock the test moves, and a first-party confidential client.
 */
import assert from 'node:assert/strict';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import { type AuthorizationServerOptions, createMailer } from '@codegrant/server';
import { readForm, type TestBrowser } from './browser.ts';
import { tokenRequest } from './codes.ts';
import { signIn } from './sign-in.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp.ts';
import { addClient, startTestServer, type TestServer } from './test-server.ts';

export const REDIRECT_URI = 'http://127.0.0.1:8080/callback';

/** The identity provider of an account test and what surrounds it. */
export interface AccountsHarness {
  idp: TestServer;
  smtp: TestSmtpServer;
  client: { clientId: string; clientSecret: string };
  /** The server's clock, in seconds: tests move it forward. */
  clock: { now: number };
  close(): Promise<void>;
}

/** Starts the server with `options` (e.g. `accounts`), mailing through an in-process SMTP server. */
export async function startAccountsHarness(
  options: Partial<Omit<AuthorizationServerOptions, 'issuer' | 'store'>> = {},
): Promise<AccountsHarness> {
  const smtp = await startSmtpServer();
  const clock = { now: Math.floor(Date.now() / 1000) };
  const idp = await startTestServer({
    mailer: createMailer({ smtpUrl: smtp.url, from: 'Sign-in <no-reply@example.com>' }),
    now: () => clock.now,
    ...options,
  });
  const { clientId, clientSecret } = await addClient(idp.store, {
    redirectUris: [REDIRECT_URI],
    firstParty: true,
  });
  return {
    idp,
    smtp,
    clock,
    client: { clientId, clientSecret: clientSecret! },
    async close() {
      await idp.close();
      await smtp.close();
    },
  };
}

/** A pending sign-in: its login page and the PKCE verifier that will redeem its code. */
export interface PendingSignIn {
  interactionUrl: URL;
  loginPage: string;
  verifier: string;
}

/** Starts an authorization request in `browser` (with `extra` parameters) and opens its first page. */
export async function openLoginPage(
  h: AccountsHarness,
  browser: TestBrowser,
  extra: Record<string, string> = {},
): Promise<PendingSignIn> {
  const verifier = randomPKCECodeVerifier();
  const url = new URL(`${h.idp.issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: h.client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    state: 'state-1',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  const redirect = await browser.fetch(url);
  assert.equal(redirect.status, 303);
  const interactionUrl = new URL(redirect.headers.get('location')!, h.idp.issuer);
  const page = await browser.fetch(interactionUrl);
  assert.equal(page.status, 200);
  return { interactionUrl, loginPage: await page.text(), verifier };
}

/** The `href` of the link whose text is `text` on a page. */
export function linkHref(html: string, text: string): string {
  const match = new RegExp(`<a [^>]*href="([^"]+)"[^>]*>${text}</a>`).exec(html);
  assert.ok(match, `no link "${text}" in ${html.slice(0, 400)}`);
  return match[1]!.replaceAll('&#38;', '&');
}

/** Fills the form of a page whose action ends with `actionPath` (hidden fields kept) and posts it. */
export function submitFormTo(
  browser: TestBrowser,
  html: string,
  actionPath: string,
  fields: Record<string, string>,
): Promise<Response> {
  const at = html.indexOf(`${actionPath}"`);
  assert.ok(at > 0, `no form posting to ${actionPath}`);
  return submitForm(browser, html.slice(html.lastIndexOf('<form', at)), fields);
}

/** Fills the first form of a page (its hidden fields kept) and posts it. */
export async function submitForm(
  browser: TestBrowser,
  html: string,
  fields: Record<string, string>,
): Promise<Response> {
  const form = readForm(html);
  return browser.postForm(form.action, { ...form.hidden, ...fields });
}

/**
 * From a response that continues a sign-in (303 to the interaction, or its page), on to the
 * client's redirect URI, then redeems the code: the tokens the client gets.
 */
export async function finishAtClient(
  h: AccountsHarness,
  browser: TestBrowser,
  continueUrl: string,
  pending: PendingSignIn,
  user?: { username: string; password: string },
): Promise<{ access_token: string; id_token: string; refresh_token?: string }> {
  const { callbackUrl } = await signIn(browser, new URL(continueUrl, h.idp.issuer), REDIRECT_URI, user);
  const code = callbackUrl.searchParams.get('code');
  assert.ok(code, `no code in ${callbackUrl.href}`);
  const response = await tokenRequest(
    h.idp.issuer,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pending.verifier },
    h.client,
  );
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as { access_token: string; id_token: string; refresh_token?: string };
}

/** UserInfo for an access token. */
export async function userInfo(h: AccountsHarness, accessToken: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.idp.issuer}/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Record<string, unknown>;
}

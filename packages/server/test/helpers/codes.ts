import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from '@codegrant/protocol';
import { TestBrowser } from './browser.ts';
import { type EndUser, signIn } from './sign-in.ts';

/** An authorization code obtained through the real authorize endpoint, with what redeems it. */
export interface ObtainedCode {
  code: string;
  verifier: string;
  redirectUri: string;
  browser: TestBrowser;
}

/**
 * Runs the authorization request of `clientId` through a browser (signing `user` in) and returns
 * the code. `pkce: false` sends no challenge (only confidential clients allowed to may do that).
 */
export async function obtainCode(
  issuer: string,
  clientId: string,
  redirectUri: string,
  user: EndUser,
  options: { pkce?: boolean; scope?: string; browser?: TestBrowser; extra?: Record<string, string> } = {},
): Promise<ObtainedCode> {
  const verifier = randomPKCECodeVerifier();
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid profile offline_access',
    state: 'state-1',
    nonce: 'nonce-1',
    ...(options.pkce === false
      ? {}
      : { code_challenge: await calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }),
    ...options.extra,
  }).toString();
  const browser = options.browser ?? new TestBrowser();
  const { callbackUrl } = await signIn(browser, url, redirectUri, user);
  const code = callbackUrl.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callbackUrl.href}`);
  return { code, verifier, redirectUri, browser };
}

/** POSTs a form to the token endpoint, with Basic credentials when a secret is given. */
export function tokenRequest(
  issuer: string,
  params: Record<string, string>,
  credentials?: { clientId: string; clientSecret: string },
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (credentials) {
    const encode = (value: string) => encodeURIComponent(value);
    headers.authorization = `Basic ${Buffer.from(`${encode(credentials.clientId)}:${encode(credentials.clientSecret)}`).toString('base64')}`;
  }
  return fetch(`${issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(params) });
}

/** The body of a code exchange. */
export function codeExchange(
  obtained: ObtainedCode,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const params: Record<string, string | undefined> = {
    grant_type: 'authorization_code',
    code: obtained.code,
    redirect_uri: obtained.redirectUri,
    code_verifier: obtained.verifier,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

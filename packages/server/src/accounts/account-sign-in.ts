import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { cookieNames, readCookie, serializeCookie, withCookies } from '../interaction/cookies.ts';
import { currentSession } from '../interaction/session.ts';
import { noticePage } from '../pages/notice-page.ts';
import { ensureBuiltInClient } from '../registration/built-in-client.ts';
import { newClientRecord } from '../registration/new-client.ts';
import type { SessionRecord, Store, UserRecord } from '../store/store.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { respondToAccountError } from './account-error.ts';

type Context = Pick<ServerContext, 'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'now'>;

/**
 * The account page's own client: it signs people in to `/account` (and to the device verification
 * page, `/device`) through our authorization endpoint like any app (PKCE, state, `iss`), so those
 * pages get the login page, the second factor, throttling and single sign-on without a second way
 * in. Public and first-party (no consent page); created at start when the account page or the
 * device grant is on, and listed by `clients list`.
 */
export const ACCOUNT_CLIENT_ID = 'codegrant-account';

/** The pages a sign-in may return to: the account pages, and the device verification page. */
const RETURN_PATHS = new Set(['/account', '/account/two-step', '/device']);

/**
 * Whether a sign-in may return to `returnPath`: one of {@link RETURN_PATHS}, the device page with
 * a well-formed user code included (`verification_uri_complete`), and nothing else.
 */
function isReturnPath(returnPath: string): boolean {
  return RETURN_PATHS.has(returnPath) || /^\/device\?user_code=[A-Z]{4}-[A-Z]{4}$/.test(returnPath);
}

/** Creates (or repairs) the account page's client: its redirect URI follows the issuer. */
export function ensureAccountClient(store: Store, issuer: string): Promise<void> {
  return ensureBuiltInClient(
    store,
    newClientRecord({
      clientId: ACCOUNT_CLIENT_ID,
      name: 'Your account',
      redirectUris: [`${issuer}/account/callback`],
      grantTypes: ['authorization_code'],
      firstParty: true,
    }),
  );
}

/** Who is signed in to the account page. */
export interface AccountSession {
  session: SessionRecord;
  user: UserRecord;
}

/**
 * The signed-in user of this browser, or the redirect that signs them in first (and back to
 * `returnPath`). With `maxAgeSeconds`, a sign-in older than that is made again: changing how one
 * signs in asks for a recent sign-in, so a browser left open is not enough.
 */
export async function accountSessionOrSignIn(
  context: Context,
  request: Request,
  returnPath: string,
  maxAgeSeconds?: number,
): Promise<AccountSession | Response> {
  const now = context.now();
  const session = await currentSession(context, request, now);
  const user = session ? await context.store.findUserById(session.userId) : null;
  if (session && user && (maxAgeSeconds === undefined || now - session.authTime <= maxAgeSeconds)) {
    return { session, user };
  }
  const state = randomValue();
  const verifier = randomValue();
  const url = new URL(`${context.issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    redirect_uri: `${context.issuer}/account/callback`,
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: sha256(verifier),
    code_challenge_method: 'S256',
    ...(maxAgeSeconds !== undefined ? { max_age: String(maxAgeSeconds) } : {}),
  }).toString();
  const flow = Buffer.from(JSON.stringify({ state, verifier, returnPath })).toString('base64url');
  return withCookies(seeOther(url.href), [
    serializeCookie(cookieNames(context.secureCookies).accountFlow, flow, {
      secure: context.secureCookies,
      maxAge: context.lifetimes.interaction,
    }),
  ]);
}

/**
 * `GET /account/callback`: the end of the account page's sign-in. Checks `state` and `iss`
 * against this browser's flow cookie, redeems the code (PKCE) so it cannot be used again, and
 * revokes the grant at once: the account page needs the session the sign-in started, not tokens.
 */
export function accountCallbackEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const now = context.now();
      const query = new URL(request.url).searchParams;
      const name = cookieNames(context.secureCookies).accountFlow;
      const clear = serializeCookie(name, '', { secure: context.secureCookies, maxAge: 0 });
      const flow = readFlow(readCookie(request, name));
      const state = query.get('state') ?? '';
      if (!flow || !constantTimeEqual(state, flow.state) || query.get('iss') !== context.issuer) {
        return withCookies(
          noticePage({
            title: 'Sign-in interrupted',
            message: [
              'This sign-in was not started here, or it took too long. Open your account page again.',
            ],
            next: { href: `${context.issuer}/account`, text: 'Your account' },
            status: 400,
          }),
          [clear],
        );
      }
      const code = query.get('code');
      if (!code) {
        return withCookies(
          noticePage({
            title: 'Not signed in',
            message: [query.get('error_description') ?? 'The sign-in did not complete.'],
            next: { href: `${context.issuer}/account`, text: 'Try again' },
            status: 400,
          }),
          [clear],
        );
      }
      const grant = await context.store.redeemCode({
        codeHash: sha256(code),
        clientId: ACCOUNT_CLIENT_ID,
        redirectUri: `${context.issuer}/account/callback`,
        codeChallenge: sha256(flow.verifier),
        dpopJkt: null,
        now,
      });
      if (grant) await context.store.revokeGrant(grant.id, now);
      return withCookies(seeOther(`${context.issuer}${flow.returnPath}`), [clear]);
    } catch (error) {
      return respondToAccountError(error);
    }
  };
}

function readFlow(value: string | undefined): { state: string; verifier: string; returnPath: string } | null {
  if (!value) return null;
  try {
    const flow = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { state, verifier, returnPath } = flow;
    if (typeof state !== 'string' || typeof verifier !== 'string' || typeof returnPath !== 'string')
      return null;
    return isReturnPath(returnPath) ? { state, verifier, returnPath } : null;
  } catch {
    return null;
  }
}

import { authorizationCodeGrant, type Configuration, tokenRevocation } from '@codegrant/client';
import { seeOther } from '../http/responses.ts';
import { cookieNames, readCookie, serializeCookie, withCookies } from '../interaction/cookies.ts';
import { noticePage } from '../pages/notice-page.ts';
import {
  CONSOLE_SESSION_SECONDS,
  type ConsoleContext,
  type ConsoleFlow,
  readConsoleForm,
} from './console-session.ts';

/**
 * `GET /admin/callback`: the end of the console's sign-in, done by `@codegrant/client` as any app
 * does it: `state`, `iss` and the code checked, the code redeemed with the PKCE verifier, the ID
 * token verified (signature, nonce). Then the account must be an administrator: others are
 * refused (their new grant revoked at once) and the refusal goes to the audit log.
 */
export function consoleCallbackEndpoint(
  context: ConsoleContext,
  relyingParty: Configuration,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  return async (request, clientAddress) => {
    const names = cookieNames(context.secureCookies);
    const clearFlow = serializeCookie(names.adminFlow, '', { secure: context.secureCookies, maxAge: 0 });
    const flow = readFlow(readCookie(request, names.adminFlow));
    const again = (title: string, message: string, status: number) =>
      withCookies(
        noticePage({
          title,
          message: [message],
          next: { href: `${context.issuer}/admin`, text: 'Sign in again' },
          status,
        }),
        [clearFlow],
      );
    if (!flow)
      return again('Sign-in interrupted', 'This sign-in was not started here, or it took too long.', 400);
    let tokens: Awaited<ReturnType<typeof authorizationCodeGrant>>;
    try {
      tokens = await authorizationCodeGrant(
        relyingParty,
        new URL(`${context.issuer}/admin/callback${new URL(request.url).search}`),
        {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        },
      );
    } catch (error) {
      return again('Not signed in', `The sign-in did not complete: ${(error as Error).message}`, 400);
    }
    if (!tokens.refresh_token) {
      // The console's session is a refresh token: the server's scopes must offer offline_access.
      return again(
        'The console cannot sign in',
        'The server’s scopes lack offline_access, which the console needs.',
        500,
      );
    }
    const userId = tokens.claims()?.sub ?? '';
    const user = await context.store.findUserById(userId);
    const audit = (outcome: 'success' | 'failure', reason: string | null) =>
      context.audit.record({
        type: 'admin.sign_in',
        outcome,
        userId,
        ip: clientAddress ?? null,
        reason,
      });
    if (!user?.admin || user.disabledAt !== null) {
      await tokenRevocation(relyingParty, tokens.refresh_token);
      audit('failure', 'not_admin');
      return withCookies(
        noticePage({
          title: 'Not an administrator',
          message: [
            `${user?.username ?? 'This account'} may not use the admin console. An administrator can give it the role (codegrant users make-admin).`,
          ],
          status: 403,
        }),
        [clearFlow],
      );
    }
    audit('success', null);
    return withCookies(seeOther(`${context.issuer}${flow.returnPath}`), [
      clearFlow,
      serializeCookie(names.admin, tokens.refresh_token, {
        secure: context.secureCookies,
        maxAge: CONSOLE_SESSION_SECONDS,
        // The console is only ever opened from itself: no other site's link carries its cookie.
        sameSite: 'Strict',
      }),
    ]);
  };
}

/** `POST /admin/sign-out`: revokes the console's grant (at our revocation endpoint) and forgets it. */
export function consoleSignOutEndpoint(
  context: ConsoleContext,
  relyingParty: Configuration,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const read = await readConsoleForm(context, relyingParty, request);
    if (read instanceof Response) return read;
    await tokenRevocation(relyingParty, read.session.handle);
    return withCookies(
      noticePage({
        title: 'Signed out of the admin console',
        message: ['Your other sign-ins (the account page, apps) are not affected.'],
        next: { href: `${context.issuer}/admin`, text: 'Sign in again' },
      }),
      [
        serializeCookie(cookieNames(context.secureCookies).admin, '', {
          secure: context.secureCookies,
          maxAge: 0,
        }),
      ],
    );
  };
}

function readFlow(value: string | undefined): ConsoleFlow | null {
  if (!value) return null;
  try {
    const flow = JSON.parse(Buffer.from(value, 'base64url').toString()) as Partial<ConsoleFlow>;
    const { state, nonce, verifier, returnPath } = flow;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string') return null;
    // Only back into the console: the cookie is ours, but never an open redirect.
    if (typeof returnPath !== 'string' || !/^\/admin(\/[\w\-/]*)?(\?[\w\-=&%.]*)?$/.test(returnPath))
      return null;
    return { state, nonce, verifier, returnPath };
  } catch {
    return null;
  }
}

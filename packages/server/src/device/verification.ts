import { respondToAccountError } from '../accounts/account-error.ts';
import { type AccountSession, accountSessionOrSignIn } from '../accounts/account-sign-in.ts';
import { throttleMinutes } from '../accounts/account-throttle.ts';
import { checkFormCsrf, formCsrfToken } from '../accounts/form-csrf.ts';
import type { ServerContext } from '../context.ts';
import { readFormParameters } from '../http/body.ts';
import { withCookies } from '../interaction/cookies.ts';
import { deviceCodePage, deviceConfirmPage } from '../pages/device-pages.ts';
import { noticePage } from '../pages/notice-page.ts';
import type { DeviceAuthorizationRecord } from '../store/store.ts';
import { formatUserCode, normalizeUserCode, userCodeHash } from './user-code.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'now' | 'findClient' | 'loginThrottle' | 'audit'
>;

/** The verification page's routes (`/device`). */
export interface DeviceVerificationEndpoints {
  /** `GET /device[?user_code=…]`: the code form, or straight to the decision for a complete URI. */
  page(request: Request, ip: string | undefined): Promise<Response>;
  /** `POST /device`: a typed user code. */
  submit(request: Request, ip: string | undefined): Promise<Response>;
  /** `POST /device/decide`: allow or deny. */
  decide(request: Request, ip: string | undefined): Promise<Response>;
}

/**
 * The verification page of the device authorization grant (RFC 8628 §3.3). The user signs in
 * first, through our own authorization endpoint like the account page (login page, second
 * factor, throttling and single sign-on included), then enters the code their device shows (or
 * follows `verification_uri_complete`, which fills it in), sees which app asks for what, with a
 * warning against someone else's code, and allows or denies. Wrong codes count against the account
 * and the address, like wrong passwords, so user codes cannot be guessed (§5.1). Every form is
 * CSRF-checked; every decision and wrong code is audited.
 */
export function deviceVerificationEndpoints(context: Context): DeviceVerificationEndpoints {
  const actionUrl = `${context.issuer}/device`;

  /** The account signed in, or the redirect that signs one in and comes back to `returnPath`. */
  const signedIn = (request: Request, returnPath: string): Promise<AccountSession | Response> =>
    accountSessionOrSignIn(context, request, returnPath);

  /** Whether this account or address typed too many wrong codes in the window. */
  const throttled = async (userId: string, ip: string | undefined, now: number): Promise<boolean> => {
    const since = now - context.loginThrottle.windowSeconds;
    if (
      (await context.store.countLoginFailures(`device-user:${userId}`, since)) >=
      context.loginThrottle.maxFailuresPerAccount
    )
      return true;
    return (
      ip !== undefined &&
      (await context.store.countLoginFailures(`device-ip:${ip}`, since)) >=
        context.loginThrottle.maxFailuresPerIp
    );
  };

  /** Counts a user code that named nothing decidable against the account and the address, and audits it. */
  const countWrongCode = async (userId: string, ip: string | undefined, now: number): Promise<void> => {
    await context.store.recordLoginFailure(
      [`device-user:${userId}`, ...(ip ? [`device-ip:${ip}`] : [])],
      now,
    );
    context.audit.record({
      type: 'device',
      outcome: 'failure',
      userId,
      ip: ip ?? null,
      reason: 'unknown_user_code',
    });
  };

  const tooManyWrongCodes = () => `Too many wrong codes. Try again in ${throttleMinutes(context)} minutes.`;

  /**
   * The page for a code typed (or carried by the link): the decision when it names a pending
   * authorization, else the code form with why not.
   */
  const answerCode = async (
    request: Request,
    { user }: AccountSession,
    typed: string,
    ip: string | undefined,
  ): Promise<Response> => {
    const now = context.now();
    const csrf = formCsrfToken(context, request);
    const retry = (error: string, status: number) =>
      withCookies(
        deviceCodePage({
          actionUrl,
          csrfToken: csrf.token,
          username: user.username,
          userCode: typed,
          error,
          status,
        }),
        csrf.cookies,
      );
    if (await throttled(user.id, ip, now)) return retry(tooManyWrongCodes(), 429);
    const normalized = normalizeUserCode(typed);
    if (normalized === null)
      return retry('That is not a device code: it has 8 letters, like WDJB-MJHT.', 400);
    const authorization = await context.store.findDeviceAuthorizationByUserCode(userCodeHash(normalized));
    const client =
      authorization && usable(authorization, now) ? await context.findClient(authorization.clientId) : null;
    if (!authorization || !client) {
      await countWrongCode(user.id, ip, now);
      return retry('That code is not valid, or it has expired. Check the code on your device.', 400);
    }
    return withCookies(
      deviceConfirmPage({
        actionUrl: `${actionUrl}/decide`,
        csrfToken: csrf.token,
        userCode: formatUserCode(normalized),
        clientName: client.name ?? client.clientId,
        username: user.username,
        scopes: authorization.scopes,
      }),
      csrf.cookies,
    );
  };

  return {
    async page(request, ip) {
      try {
        const typed = new URL(request.url).searchParams.get('user_code');
        const normalized = typed === null ? null : normalizeUserCode(typed);
        // Only a well-formed code goes into the return path: nothing else of the URL is echoed.
        const session = await signedIn(
          request,
          normalized ? `/device?user_code=${formatUserCode(normalized)}` : '/device',
        );
        if (session instanceof Response) return session;
        if (typed !== null) return await answerCode(request, session, typed, ip);
        const csrf = formCsrfToken(context, request);
        return withCookies(
          deviceCodePage({ actionUrl, csrfToken: csrf.token, username: session.user.username }),
          csrf.cookies,
        );
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async submit(request, ip) {
      try {
        const form = await readFormParameters(request);
        checkFormCsrf(context, request, form.csrf_token);
        const session = await signedIn(request, '/device');
        if (session instanceof Response) return session;
        return await answerCode(request, session, form.user_code ?? '', ip);
      } catch (error) {
        return respondToAccountError(error);
      }
    },

    async decide(request, ip) {
      try {
        const form = await readFormParameters(request);
        checkFormCsrf(context, request, form.csrf_token);
        const session = await signedIn(request, '/device');
        if (session instanceof Response) return session;
        const normalized = normalizeUserCode(form.user_code ?? '');
        const approved = form.decision === 'approve';
        const now = context.now();
        // The decision names its code too: it is throttled like the code form, or it would be a
        // way to guess codes around it.
        if (await throttled(session.user.id, ip, now)) {
          return noticePage({ title: 'Too many wrong codes', message: [tooManyWrongCodes()], status: 429 });
        }
        const decided =
          normalized !== null &&
          (await context.store.decideDeviceAuthorization(
            userCodeHash(normalized),
            {
              approved,
              userId: session.user.id,
              authTime: session.session.authTime,
              amr: session.session.amr,
            },
            now,
          ));
        if (!decided) {
          await countWrongCode(session.user.id, ip, now);
          return noticePage({
            title: 'This code is no longer valid',
            message: ['It expired, or it was already allowed or denied. Start again on your device.'],
            next: { href: actionUrl, text: 'Enter another code' },
            status: 400,
          });
        }
        const authorization = await context.store.findDeviceAuthorizationByUserCode(userCodeHash(normalized));
        context.audit.record({
          type: 'device',
          outcome: approved ? 'success' : 'failure',
          userId: session.user.id,
          clientId: authorization?.clientId ?? null,
          ip: ip ?? null,
          ...(approved ? {} : { reason: 'access_denied' }),
          details: { scope: authorization?.scopes.join(' ') ?? '' },
        });
        return noticePage({
          title: approved ? 'Device connected' : 'Device denied',
          message: approved
            ? ['You can return to your device: it is signing in.']
            : ['The device was not given access. You can close this page.'],
        });
      } catch (error) {
        return respondToAccountError(error);
      }
    },
  };
}

/** Whether an authorization can still be decided: pending and not expired. */
function usable(authorization: DeviceAuthorizationRecord, now: number): boolean {
  return authorization.status === 'pending' && authorization.expiresAt > now;
}

import type { Login } from '../authorize/next-step.ts';
import type { ServerContext } from '../context.ts';
import type { SessionRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { cookieNames, readCookie, serializeCookie } from './cookies.ts';

type Context = Pick<ServerContext, 'store' | 'secureCookies' | 'lifetimes'>;

/** The signed-in session of this browser (single sign-on), if its cookie names a live one. */
export async function currentSession(
  context: Context,
  request: Request,
  now: number,
): Promise<SessionRecord | null> {
  const value = sessionCookieValue(context, request);
  if (!value) return null;
  const session = await context.store.findSession(sha256(value));
  return session && session.expiresAt > now ? session : null;
}

/**
 * Starts a session after a login: returns its `Set-Cookie` and the session as stored. The id is
 * always new (a session fixed by an attacker before login is never upgraded) and stored only as a
 * hash.
 */
export async function startSession(
  context: Context,
  login: Login,
  now: number,
): Promise<{ setCookie: string; session: SessionRecord }> {
  const value = randomValue();
  const session: SessionRecord = {
    idHash: sha256(value),
    userId: login.userId,
    authTime: login.authTime,
    amr: login.amr,
    createdAt: now,
    expiresAt: now + context.lifetimes.session,
  };
  await context.store.insertSession(session);
  const setCookie = serializeCookie(cookieNames(context.secureCookies).session, value, {
    secure: context.secureCookies,
    maxAge: context.lifetimes.session,
  });
  return { setCookie, session };
}

/** The raw value of the session cookie, if the browser sent one. */
export function sessionCookieValue(
  context: Pick<Context, 'secureCookies'>,
  request: Request,
): string | undefined {
  return readCookie(request, cookieNames(context.secureCookies).session);
}

/**
 * Ends this browser's session: deletes it from the store (so the cookie is worthless even if
 * kept somewhere; the clients that signed in through it are then due a back-channel logout) and
 * returns the `Set-Cookie` that removes the cookie.
 */
export async function endSession(
  context: Pick<ServerContext, 'store' | 'secureCookies' | 'backchannelLogouts'>,
  request: Request,
): Promise<string> {
  const value = sessionCookieValue(context, request);
  if (value) {
    await context.store.deleteSession(sha256(value));
    context.backchannelLogouts.kick();
  }
  return serializeCookie(cookieNames(context.secureCookies).session, '', {
    secure: context.secureCookies,
    maxAge: 0,
  });
}

import type { ServerContext } from '../context.ts';
import { cookieNames, readCookie, serializeCookie } from '../interaction/cookies.ts';

type Context = Pick<ServerContext, 'secureCookies' | 'lifetimes'>;

/** A sign-in at an upstream provider in progress: what its callback must find again. */
export interface UpstreamFlow {
  interactionId: string;
  provider: string;
  state: string;
  /** `null` for a plain OAuth 2.0 provider (no ID token). */
  nonce: string | null;
  verifier: string;
}

/**
 * The `Set-Cookie` that keeps a flow in this browser until the callback (HttpOnly, SameSite=Lax: the
 * provider's redirect back is a top-level navigation, which Lax lets through; `__Host-` on https).
 */
export function flowCookie(context: Context, flow: UpstreamFlow): string {
  const value = Buffer.from(JSON.stringify(flow)).toString('base64url');
  return serializeCookie(cookieNames(context.secureCookies).upstream, value, {
    secure: context.secureCookies,
    maxAge: context.lifetimes.interaction,
  });
}

/** The `Set-Cookie` that removes the flow cookie (a flow is used once). */
export function clearFlowCookie(context: Pick<Context, 'secureCookies'>): string {
  return serializeCookie(cookieNames(context.secureCookies).upstream, '', {
    secure: context.secureCookies,
    maxAge: 0,
  });
}

/** The flow this browser started, if its cookie holds a well-formed one. */
export function readFlowCookie(
  context: Pick<Context, 'secureCookies'>,
  request: Request,
): UpstreamFlow | null {
  const value = readCookie(request, cookieNames(context.secureCookies).upstream);
  if (!value) return null;
  try {
    const flow = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
    const strings = ['interactionId', 'provider', 'state', 'verifier'].every(
      (key) => typeof flow[key] === 'string',
    );
    if (!strings || (flow.nonce !== null && typeof flow.nonce !== 'string')) return null;
    return flow as unknown as UpstreamFlow;
  } catch {
    return null;
  }
}

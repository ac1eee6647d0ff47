import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { cookieNames, readCookie } from '../interaction/cookies.ts';
import { loadInteraction } from '../interaction/interactions.ts';
import type { PageLink } from '../pages/html.ts';
import type { InteractionRecord } from '../store/store.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';

type Context = Pick<ServerContext, 'store' | 'secureCookies' | 'lifetimes'>;

/** The hash of this browser's binding cookie (set by every authorization request), if it has one. */
export function browserBindingHash(context: Pick<Context, 'secureCookies'>, request: Request): string | null {
  const browser = readCookie(request, cookieNames(context.secureCookies).browser);
  return browser ? sha256(browser) : null;
}

/** Whether this request comes from the browser whose binding hash was recorded. */
export function isSameBrowser(
  context: Pick<Context, 'secureCookies'>,
  request: Request,
  recorded: string | null,
): boolean {
  const current = browserBindingHash(context, request);
  return recorded !== null && current !== null && constantTimeEqual(current, recorded);
}

/**
 * The pending sign-in `id`, if it is still alive and belongs to this browser: the one an account
 * step may continue. Anything else (unknown, expired, another browser's) gives `null`.
 */
export async function pendingInteraction(
  context: Context,
  request: Request,
  id: string | null | undefined,
  now: number,
): Promise<InteractionRecord | null> {
  if (!id || !/^[\w-]{16,128}$/.test(id)) return null;
  try {
    return await loadInteraction(context, request, id, now);
  } catch (error) {
    if (error instanceof OAuthError) return null;
    throw error;
  }
}

/** The link back to a pending sign-in (`undefined` without one: the page then offers none). */
export function signInLink(
  context: Pick<ServerContext, 'issuer'>,
  interaction: Pick<InteractionRecord, 'id'> | null,
  text: string,
): PageLink | undefined {
  return interaction ? { href: `${context.issuer}/interaction/${interaction.id}`, text } : undefined;
}

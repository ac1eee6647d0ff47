import type { AuthorizationRequest } from '../authorize/authorization-request.ts';
import type { Login } from '../authorize/next-step.ts';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { InteractionRecord } from '../store/store.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { cookieNames, readCookie, serializeCookie } from './cookies.ts';

type Context = Pick<ServerContext, 'store' | 'secureCookies' | 'lifetimes'>;

/**
 * Parks a validated authorization request while the end-user signs in or consents. The
 * interaction is bound to this browser through the `cg_browser` cookie: a link to someone else's
 * interaction is useless, so an attacker cannot have a victim finish the attacker's sign-in.
 *
 * @returns the interaction and the `Set-Cookie` to send (none when the browser has its cookie)
 */
export async function startInteraction(
  context: Context,
  request: Request,
  authorization: AuthorizationRequest,
  login: Login | null,
  now: number,
  pendingUserId: string | null = null,
): Promise<{ interaction: InteractionRecord; cookies: string[] }> {
  const name = cookieNames(context.secureCookies).browser;
  let browser = readCookie(request, name);
  const cookies: string[] = [];
  // Reuse the browser's value, so that parallel sign-ins in several tabs all stay valid.
  if (!browser || browser.length < 43) {
    browser = randomValue();
    cookies.push(serializeCookie(name, browser, { secure: context.secureCookies }));
  }
  const interaction: InteractionRecord = {
    id: randomValue(),
    clientId: authorization.client.clientId,
    parameters: authorization.parameters,
    csrfToken: randomValue(),
    browserBindingHash: sha256(browser),
    userId: login?.userId ?? null,
    authTime: login?.authTime ?? null,
    amr: login?.amr ?? [],
    pendingUserId,
    createdAt: now,
    expiresAt: now + context.lifetimes.interaction,
  };
  await context.store.insertInteraction(interaction);
  return { interaction, cookies };
}

/**
 * Loads a pending interaction for this browser.
 *
 * @throws {OAuthError} 400 when it is unknown, expired, or belongs to another browser
 */
export async function loadInteraction(
  context: Context,
  request: Request,
  id: string,
  now: number,
): Promise<InteractionRecord> {
  const interaction = await context.store.findInteraction(id);
  if (!interaction || interaction.expiresAt <= now) {
    throw new OAuthError(
      'invalid_request',
      'this sign-in has expired or was already completed; start again from the application',
    );
  }
  const browser = readCookie(request, cookieNames(context.secureCookies).browser);
  if (!browser || !constantTimeEqual(sha256(browser), interaction.browserBindingHash)) {
    throw new OAuthError(
      'invalid_request',
      'this sign-in was started in another browser; start again from the application',
    );
  }
  return interaction;
}

/**
 * Checks the CSRF token of a form posted to an interaction.
 *
 * @throws {OAuthError} 403 when it is missing or wrong
 */
export function checkCsrfToken(interaction: InteractionRecord, posted: string | undefined): void {
  if (!posted || !constantTimeEqual(posted, interaction.csrfToken)) {
    throw new OAuthError(
      'invalid_request',
      'the form expired or was not sent by this page (CSRF token mismatch); reload and try again',
      {
        status: 403,
      },
    );
  }
}

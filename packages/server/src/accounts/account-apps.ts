import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import type { AccountAppItem } from '../pages/account-access.ts';
import type { GrantRecord } from '../store/store.ts';
import { revokeAppAccess } from './access-revocation.ts';
import { respondToAccountError } from './account-error.ts';
import { readAccountForm } from './account-form.ts';
import { accountPageUrl } from './account-notices.ts';
import { ACCOUNT_CLIENT_ID } from './account-sign-in.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'store' | 'findClient' | 'secureCookies' | 'lifetimes' | 'audit' | 'now'
>;

/**
 * The apps holding live grants of a user (tokens they may still use), one entry per client, the
 * most recently signed-in first. The account page's own client is left out: it gives its grants
 * back at once (`account-sign-in.ts`).
 */
export async function listAccountApps(
  context: Pick<Context, 'store' | 'findClient' | 'now'>,
  userId: string,
): Promise<AccountAppItem[]> {
  const byClient = new Map<string, GrantRecord[]>();
  for (const grant of await context.store.listUserGrants(userId, context.now())) {
    if (grant.clientId === ACCOUNT_CLIENT_ID) continue;
    byClient.set(grant.clientId, [...(byClient.get(grant.clientId) ?? []), grant]);
  }
  // The store lists grants newest first: the map keeps that order of clients.
  return Promise.all(
    [...byClient].map(async ([clientId, grants]) => ({
      clientId,
      name: (await context.findClient(clientId))?.name ?? clientId,
      scopes: [...new Set([...grants].reverse().flatMap((grant) => grant.scopes))],
      since: Math.min(...grants.map((grant) => grant.createdAt)),
      lastSignIn: Math.max(...grants.map((grant) => grant.authTime)),
    })),
  );
}

/**
 * `POST /account/apps/revoke` (`client_id`): takes an app's access away, after the CSRF check and
 * a recent sign-in. Its grants are revoked (refresh tokens, and access tokens at our endpoints)
 * and the user's consent to it forgotten, in one store transaction: the app must ask again. 303
 * back to the account page, which says whether there was anything to revoke.
 */
export function revokeAccountAppEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  return async (request, clientAddress) => {
    try {
      const { form, signedIn } = await readAccountForm(context, request, { recent: true });
      if (signedIn instanceof Response) return signedIn;
      const userId = signedIn.user.id;
      const clientId = form.client_id ?? '';
      const now = context.now();
      const held = await revokeAppAccess(context.store, userId, clientId, now);
      if (held) {
        context.audit.record({
          type: 'grant.revoked',
          outcome: 'success',
          userId,
          clientId,
          ip: clientAddress ?? null,
          details: { by: 'account_page' },
        });
      }
      return seeOther(accountPageUrl(context.issuer, held ? 'app-removed' : 'app-gone'));
    } catch (error) {
      return respondToAccountError(error);
    }
  };
}

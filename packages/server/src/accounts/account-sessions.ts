import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import type { AccountSessionItem } from '../pages/account-access.ts';
import { endSessionByReference, sessionReference } from './access-revocation.ts';
import { respondToAccountError } from './account-error.ts';
import { readAccountForm } from './account-form.ts';
import { accountPageUrl } from './account-notices.ts';
import type { AccountSession } from './account-sign-in.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'audit' | 'now' | 'backchannelLogouts'
>;

/** The signed-in user's live sessions: this browser's first (and marked), then the newest first. */
export async function listAccountSessions(
  context: Pick<Context, 'store' | 'now'>,
  { user, session: current }: AccountSession,
): Promise<AccountSessionItem[]> {
  const sessions = await context.store.listUserSessions(user.id, context.now());
  // This browser first, then the others newest first (the store's order; the sort is stable).
  const ordered = sessions.toSorted(
    (a, b) => Number(b.idHash === current.idHash) - Number(a.idHash === current.idHash),
  );
  return ordered.map((session) => ({
    reference: sessionReference(session.idHash),
    authTime: session.authTime,
    amr: session.amr,
    current: session.idHash === current.idHash,
  }));
}

/**
 * `POST /account/sessions/end` (`session`: a reference from the page): signs another browser out
 * of the account, after the CSRF check and a recent sign-in. This browser is not in the choice:
 * "Sign out" is its way. A reference that names no session of the user (ended meanwhile, or made
 * up) ends nothing; either way the answer is 303 back to the account page, which says which.
 */
export function endAccountSessionEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  return async (request, clientAddress) => {
    try {
      const { form, signedIn } = await readAccountForm(context, request, { recent: true });
      if (signedIn instanceof Response) return signedIn;
      const ended = await endSessionByReference(
        context.store,
        signedIn.user.id,
        form.session,
        context.now(),
        signedIn.session.idHash,
      );
      if (ended) {
        context.backchannelLogouts.kick();
        context.audit.record({
          type: 'session.ended',
          outcome: 'success',
          userId: signedIn.user.id,
          ip: clientAddress ?? null,
          details: { by: 'account_page' },
        });
      }
      return seeOther(accountPageUrl(context.issuer, ended ? 'session-ended' : 'session-gone'));
    } catch (error) {
      return respondToAccountError(error);
    }
  };
}

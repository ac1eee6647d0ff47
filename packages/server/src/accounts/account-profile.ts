import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { respondToAccountError } from './account-error.ts';
import { readAccountForm } from './account-form.ts';
import { accountPageUrl } from './account-notices.ts';

type Context = Pick<ServerContext, 'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'now'>;

/** The longest name kept (a display name, not a document), in characters. */
export const MAX_NAME_LENGTH = 200;

/**
 * A display name as typed, made fit to keep: on one line (it goes into pages, mail and claims),
 * trimmed, at most {@link MAX_NAME_LENGTH} characters; `null` when nothing is left.
 */
export function profileName(typed: string | undefined): string | null {
  const line = (typed ?? '')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  return [...line].slice(0, MAX_NAME_LENGTH).join('') || null;
}

/**
 * `POST /account/profile` (`name`): the signed-in user's display name (the `name` claim of
 * UserInfo); empty removes it. A profile is not a way in, so any sign-in will do, but the form
 * must carry the CSRF token. 303 back to the account page.
 */
export function accountProfileEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const { form, signedIn } = await readAccountForm(context, request, { recent: false });
      if (signedIn instanceof Response) return signedIn;
      const { user } = signedIn;
      await context.store.updateUser({ ...user, name: profileName(form.name), updatedAt: context.now() });
      return seeOther(accountPageUrl(context.issuer, 'name-saved'));
    } catch (error) {
      return respondToAccountError(error);
    }
  };
}

import type { ServerContext } from '../context.ts';
import { withCookies } from '../interaction/cookies.ts';
import { accountPage } from '../pages/account-page.ts';
import { listAccountApps } from './account-apps.ts';
import { listAccountSessions } from './account-sessions.ts';
import type { AccountSession } from './account-sign-in.ts';
import { formCsrfToken } from './form-csrf.ts';

type Context = Pick<ServerContext, 'issuer' | 'store' | 'findClient' | 'secureCookies' | 'accounts' | 'now'>;

/** What the account page adds to its data: a line of news, or why a change was refused. */
export interface AccountPageExtras {
  notice?: string;
  passwordError?: string;
  status?: number;
}

/**
 * The account page of a signed-in user, its data read from the store: profile, password, two-step
 * verification (with `accounts.totp`), passkeys (with `accounts.passkeys`), linked sign-ins, live
 * sessions and the apps holding access. Every form of it carries this browser's CSRF token.
 */
export async function showAccountPage(
  context: Context,
  request: Request,
  signedIn: AccountSession,
  extras: AccountPageExtras = {},
): Promise<Response> {
  const { user } = signedIn;
  const csrf = formCsrfToken(context, request);
  const totp = context.accounts.totp ? await context.store.findTotp(user.id) : null;
  return withCookies(
    accountPage({
      issuer: context.issuer,
      csrfToken: csrf.token,
      username: user.username,
      name: user.name,
      email: user.email,
      emailVerified: user.emailVerified,
      // An account made through another provider has no password hash ('').
      hasPassword: user.passwordHash !== '',
      passwordMinLength: context.accounts.passwordMinLength,
      twoStep: context.accounts.totp
        ? {
            enabled: totp?.confirmedAt != null,
            recoveryCodesLeft:
              totp?.confirmedAt != null ? await context.store.countRecoveryCodes(user.id) : 0,
          }
        : null,
      passkeys: context.accounts.passkeys
        ? {
            list: await context.store.listPasskeys(user.id),
            add: {
              action: 'register',
              optionsUrl: `${context.issuer}/account/passkeys/options`,
              verifyUrl: `${context.issuer}/account/passkeys`,
              csrfToken: csrf.token,
              label: 'Add a passkey',
            },
          }
        : null,
      linkedSignIns: await context.store.listUpstreamIdentities(user.id),
      sessions: await listAccountSessions(context, signedIn),
      apps: await listAccountApps(context, user.id),
      ...extras,
    }),
    csrf.cookies,
  );
}

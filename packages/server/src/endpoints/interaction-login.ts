import { mayMail } from '../accounts/account-throttle.ts';
import { maskEmailAddress } from '../accounts/email-address.ts';
import { loginPageExtras } from '../accounts/login-links.ts';
import { browserBindingHash } from '../accounts/same-browser.ts';
import { hasSecondFactor } from '../accounts/second-factors.ts';
import { mailVerificationLink } from '../accounts/verification-mail.ts';
import type { AuthorizationFlowContext } from '../authorize/authorization-request.ts';
import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { readInteractionForm } from '../interaction/interaction-form.ts';
import { loginBlocked, recordLoginFailure, throttleKeys } from '../interaction/login-throttle.ts';
import { verifyDecoyPassword, verifyPassword } from '../interaction/password.ts';
import { loginPage } from '../pages/login-page.ts';

type Context = AuthorizationFlowContext &
  Pick<ServerContext, 'loginThrottle' | 'accounts' | 'issuerUrl' | 'mailer' | 'logger'>;

/**
 * `POST /interaction/:id/login`: the built-in login form. Checks the CSRF token and the throttle,
 * then the password (scrypt; an unknown user costs the same time), and on success records the
 * login and answers 303 to the interaction page, which continues the flow. With
 * `accounts.requireVerifiedEmail`, an account whose address is unverified is stopped after the
 * right password (so the answer tells nothing to whoever lacks it) and mailed a verification link.
 */
export function interactionLoginEndpoint(
  context: Context,
): (request: Request, id: string, clientAddress: string | undefined) => Promise<Response> {
  return async (request, id, clientAddress) => {
    try {
      const now = context.now();
      const { form, interaction, authorization } = await readInteractionForm(context, request, id, now);
      const username = (form.username ?? '').trim();
      const password = form.password ?? '';
      const again = (error: string, status: number) =>
        loginPage({
          actionUrl: `${context.issuer}/interaction/${interaction.id}/login`,
          csrfToken: interaction.csrfToken,
          clientName: authorization.client.name ?? authorization.client.clientId,
          username,
          error,
          status,
          ...loginPageExtras(context, interaction),
        });
      if (!username || !password) return again('Enter your username and password.', 400);

      const keys = throttleKeys(username, clientAddress);
      const blocked = await loginBlocked(context, keys, now);
      const audit = (outcome: 'success' | 'failure', reason: string | null, userId: string | null) =>
        context.audit.record({
          type: 'sign_in',
          outcome,
          userId,
          clientId: authorization.client.clientId,
          ip: clientAddress ?? null,
          reason,
          details: { method: 'password' },
        });
      if (blocked) {
        audit('failure', 'throttled', null);
        return again(
          `Too many failed sign-in attempts. Try again in ${blocked.retryAfterMinutes} minutes.`,
          429,
        );
      }
      // Self-made accounts are named by their address in lower case; people type it as they like.
      const user =
        (await context.store.findUserByUsername(username)) ??
        (username.includes('@') ? await context.store.findUserByUsername(username.toLowerCase()) : null);
      const valid = user
        ? await verifyPassword(password, user.passwordHash)
        : await verifyDecoyPassword(password);
      if (!user || !valid) {
        // The name typed is not recorded: people type their password into it by mistake.
        audit('failure', user ? 'wrong_password' : 'unknown_user', user?.id ?? null);
        await recordLoginFailure(context, keys, now);
        return again('Wrong username or password.', 401);
      }
      await context.store.clearLoginFailures(keys.account);
      // Said only after the right password: it tells nothing to someone guessing.
      if (user.disabledAt !== null) {
        audit('failure', 'disabled', user.id);
        return again('This account is disabled. Ask your administrator.', 403);
      }
      if (context.accounts.requireVerifiedEmail && user.email !== null && !user.emailVerified) {
        audit('failure', 'email_unverified', user.id);
        const email = user.email;
        if (await mayMail(context, email, now)) {
          const binding = browserBindingHash(context, request);
          mailVerificationLink(
            context,
            { userId: user.id, email, browserBindingHash: binding, interactionId: interaction.id },
            now,
          );
        }
        return again(
          `Confirm your email address first: we sent a link to ${maskEmailAddress(email)}. Open it, then you are signed in.`,
          403,
        );
      }
      audit('success', null, user.id);
      if (await hasSecondFactor(context, user.id)) {
        await context.store.setInteractionPendingUser(interaction.id, user.id);
        return seeOther(`${context.issuer}/interaction/${interaction.id}`);
      }
      await context.store.setInteractionLogin(interaction.id, {
        userId: user.id,
        authTime: now,
        amr: ['pwd'],
      });
      return seeOther(`${context.issuer}/interaction/${interaction.id}`);
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

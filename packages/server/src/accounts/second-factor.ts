import type { AuthorizationFlowContext } from '../authorize/authorization-request.ts';
import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { withSecondFactor } from '../interaction/authentication-methods.ts';
import { readInteractionForm } from '../interaction/interaction-form.ts';
import { loginBlocked, recordLoginFailure, throttleKeys } from '../interaction/login-throttle.ts';
import { secondFactorPage } from '../pages/second-factor-page.ts';
import type { InteractionRecord } from '../store/store.ts';
import { passkeyButtonOf } from './login-links.ts';
import { useRecoveryCode } from './recovery-codes.ts';
import { secondFactorsOf } from './second-factors.ts';
import { verifyTotpCode } from './totp.ts';

type Context = AuthorizationFlowContext &
  Pick<ServerContext, 'loginThrottle' | 'issuerUrl' | 'keyEncryption'>;

/** The second-factor page of a pending interaction: the code field and the passkey button, as the user has them. */
export async function renderSecondFactorPage(
  context: Pick<ServerContext, 'issuer' | 'store' | 'accounts'>,
  interaction: InteractionRecord,
  clientName: string,
  extra: { error?: string; status?: number } = {},
): Promise<Response> {
  const factors = interaction.pendingUserId
    ? await secondFactorsOf(context, interaction.pendingUserId)
    : { totp: false, passkeys: false };
  return secondFactorPage({
    actionUrl: `${context.issuer}/interaction/${interaction.id}/second-factor`,
    csrfToken: interaction.csrfToken,
    clientName,
    code: factors.totp,
    ...(factors.passkeys ? { passkey: passkeyButtonOf(context, interaction, 'Use a passkey') } : {}),
    ...extra,
  });
}

/**
 * `POST /interaction/:id/second-factor`: the code of the user who passed the first factor (or
 * whose session must step up for `acr_values=2`). A TOTP code is accepted once (its time step is
 * recorded); a recovery code once ever. Failures count against the account and the address like
 * wrong passwords, so the million codes cannot be tried.
 */
export function secondFactorEndpoint(
  context: Context,
): (request: Request, id: string, clientAddress: string | undefined) => Promise<Response> {
  return async (request, id, clientAddress) => {
    try {
      const now = context.now();
      const { form, interaction, authorization } = await readInteractionForm(context, request, id, now);
      const user = interaction.pendingUserId
        ? await context.store.findUserById(interaction.pendingUserId)
        : null;
      if (!user) return seeOther(`${context.issuer}/interaction/${interaction.id}`);
      const again = async (error: string, status: number) =>
        renderSecondFactorPage(
          context,
          interaction,
          authorization.client.name ?? authorization.client.clientId,
          {
            error,
            status,
          },
        );

      const keys = throttleKeys(user.username, clientAddress);
      const blocked = await loginBlocked(context, keys, now);
      if (blocked) {
        return again(`Too many wrong codes. Try again in ${blocked.retryAfterMinutes} minutes.`, 429);
      }
      const code = (form.code ?? '').trim();
      const method = /^[\d\s]+$/.test(code) ? 'totp' : 'recovery_code';
      const accepted =
        method === 'totp'
          ? await verifyTotpCode(context, user, code, now)
          : await useRecoveryCode(context, user.id, code, now);
      const audit = (outcome: 'success' | 'failure') =>
        context.audit.record({
          type: 'second_factor',
          outcome,
          userId: user.id,
          clientId: authorization.client.clientId,
          ip: clientAddress ?? null,
          reason: outcome === 'failure' ? 'wrong_code' : null,
          details: { method },
        });
      if (!accepted) {
        audit('failure');
        await recordLoginFailure(context, keys, now);
        return again('That code is not right, or was already used. Try the next one.', 401);
      }
      audit('success');
      await context.store.clearLoginFailures(keys.account);
      await context.store.setInteractionLogin(interaction.id, {
        userId: user.id,
        authTime: now,
        amr: withSecondFactor(['pwd'], 'otp'),
      });
      return seeOther(`${context.issuer}/interaction/${interaction.id}`);
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

import {
  type AuthorizationFlowContext,
  type AuthorizationRequest,
  validateAuthorizationRequest,
} from '../authorize/authorization-request.ts';
import { readFormParameters } from '../http/body.ts';
import type { InteractionRecord } from '../store/store.ts';
import { checkCsrfToken, loadInteraction } from './interactions.ts';

/**
 * A form posted to a pending interaction (login, second factor, passkey): read, the interaction
 * loaded for this browser, its CSRF token checked, and its authorization request validated again
 * (the client may have changed since it was parked).
 *
 * @throws {OAuthError} for an expired or foreign interaction, or a wrong CSRF token
 * @throws {AuthorizationError} when the request no longer validates
 */
export async function readInteractionForm(
  context: AuthorizationFlowContext,
  request: Request,
  id: string,
  now: number,
): Promise<{
  form: Record<string, string>;
  interaction: InteractionRecord;
  authorization: AuthorizationRequest;
}> {
  const form = await readFormParameters(request);
  const interaction = await loadInteraction(context, request, id, now);
  checkCsrfToken(interaction, form.csrf_token);
  const authorization = await validateAuthorizationRequest(context, interaction.parameters);
  return { form, interaction, authorization };
}

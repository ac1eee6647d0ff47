import { AuthorizationError } from '../authorize/authorization-error.ts';
import {
  type AuthorizationFlowContext,
  validateAuthorizationRequest,
} from '../authorize/authorization-request.ts';
import { issueCode } from '../authorize/issue-code.ts';
import { consentGrants } from '../authorize/next-step.ts';
import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import { invalidRequest } from '../errors.ts';
import { readFormParameters } from '../http/body.ts';
import { checkCsrfToken, loadInteraction } from '../interaction/interactions.ts';
import { currentSession } from '../interaction/session.ts';

type Context = AuthorizationFlowContext;

/**
 * `POST /interaction/:id/consent`: the consent form. `approve` remembers the granted scopes (so
 * the page is not shown again for them) and answers the client with a code; `deny` answers it
 * with `access_denied`.
 */
export function interactionConsentEndpoint(
  context: Context,
): (request: Request, id: string, clientAddress: string | undefined) => Promise<Response> {
  return async (request, id, clientAddress) => {
    try {
      const now = context.now();
      const form = await readFormParameters(request);
      const interaction = await loadInteraction(context, request, id, now);
      checkCsrfToken(interaction, form.csrf_token);
      if (interaction.userId === null || interaction.authTime === null)
        throw invalidRequest('sign in before consenting');
      const authorization = await validateAuthorizationRequest(context, interaction.parameters);
      const login = { userId: interaction.userId, authTime: interaction.authTime, amr: interaction.amr };
      if (form.decision !== 'approve' && form.decision !== 'deny') {
        throw invalidRequest('decision must be approve or deny');
      }
      await context.store.deleteInteraction(interaction.id);
      const audit = (outcome: 'success' | 'failure') =>
        context.audit.record({
          type: 'consent',
          outcome,
          userId: login.userId,
          clientId: authorization.client.clientId,
          ip: clientAddress ?? null,
          reason: outcome === 'failure' ? 'access_denied' : null,
          details: { scope: consentGrants(authorization).join(' ') },
        });
      if (form.decision === 'deny') {
        audit('failure');
        throw new AuthorizationError(
          'access_denied',
          'the end-user denied the request',
          authorization.target,
        );
      }
      const previous = await context.store.findConsent(login.userId, authorization.client.clientId);
      await context.store.saveConsent({
        userId: login.userId,
        clientId: authorization.client.clientId,
        scopes: [...new Set([...(previous?.scopes ?? []), ...consentGrants(authorization)])],
        updatedAt: now,
      });
      audit('success');
      // The session the interaction page started (or found) at the sign-in, for back-channel logout.
      const session =
        context.backchannelLogout && authorization.client.backchannelLogoutUri
          ? await currentSession(context, request, now)
          : null;
      return await issueCode(context, authorization, login, now, session);
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

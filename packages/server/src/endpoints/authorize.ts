import { AuthorizationError } from '../authorize/authorization-error.ts';
import {
  type AuthorizationFlowContext,
  validateAuthorizationRequest,
} from '../authorize/authorization-request.ts';
import { issueCode } from '../authorize/issue-code.ts';
import { nextStep } from '../authorize/next-step.ts';
import { pushedParameters } from '../authorize/pushed-request.ts';
import { readAuthorizationParameters } from '../authorize/read-parameters.ts';
import { requestObjectParameters } from '../authorize/request-object.ts';
import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { startInteraction } from '../interaction/interactions.ts';
import { currentSession } from '../interaction/session.ts';

type Context = AuthorizationFlowContext &
  Pick<ServerContext, 'requirePushedAuthorizationRequests' | 'clientKeys'>;

/**
 * The authorization endpoint (RFC 6749 §3.1, OpenID Connect Core §3.1.2), GET and POST:
 * read parameters (or those pushed to `/par`, for a `request_uri`; or those of a signed request
 * object, JAR) → validate (client and
 * redirect URI first; pushed first, where PAR is required) → find the session → decide:
 * answer with a code at once (single sign-on), or park the request as an interaction and send the
 * browser to sign in or consent.
 */
export function authorizeEndpoint(context: Context): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const now = context.now();
      const sent = await readAuthorizationParameters(context, request);
      const pushed = sent.request_uri !== undefined;
      const resolved = pushed ? await pushedParameters(context, sent, now) : sent;
      const parameters =
        resolved.request !== undefined ? await requestObjectParameters(context, resolved) : resolved;
      const authorization = await validateAuthorizationRequest(context, parameters);
      if (
        !pushed &&
        (context.requirePushedAuthorizationRequests ||
          authorization.client.requirePushedAuthorizationRequests)
      ) {
        throw new AuthorizationError(
          'invalid_request',
          'authorization requests must be pushed to the PAR endpoint first (RFC 9126)',
          authorization.target,
        );
      }
      const session = await currentSession(context, request, now);
      const step = await nextStep(context, authorization, null, session, now);
      if (step.kind === 'issue-code')
        return await issueCode(context, authorization, step.login, now, session);
      const login = step.kind === 'consent' ? step.login : null;
      const pendingUserId = step.kind === 'second-factor' ? step.login.userId : null;
      const { interaction, cookies } = await startInteraction(
        context,
        request,
        authorization,
        login,
        now,
        pendingUserId,
      );
      const response = seeOther(`${context.issuer}/interaction/${interaction.id}`);
      for (const cookie of cookies) response.headers.append('set-cookie', cookie);
      return response;
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

import { loginPageExtras } from '../accounts/login-links.ts';
import { renderSecondFactorPage } from '../accounts/second-factor.ts';
import {
  type AuthorizationFlowContext,
  validateAuthorizationRequest,
} from '../authorize/authorization-request.ts';
import { issueCode } from '../authorize/issue-code.ts';
import { nextStep } from '../authorize/next-step.ts';
import { respondToBrowserError } from '../authorize/respond-to-error.ts';
import { claimsBeyondScopes } from '../claims/claims-request.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { withCookies } from '../interaction/cookies.ts';
import { loadInteraction } from '../interaction/interactions.ts';
import { currentSession, startSession } from '../interaction/session.ts';
import { consentPage } from '../pages/consent-page.ts';
import { loginPage } from '../pages/login-page.ts';
import { isLoopbackHost } from '../registration/redirect-uri-policy.ts';

type Context = AuthorizationFlowContext & Pick<ServerContext, 'loginUrl'>;

/**
 * `GET /interaction/:id`: where the browser goes while an authorization request waits. It shows
 * the login page (or sends the browser to the app's own, see `loginUrl`), then the consent page,
 * and finally answers the client with a code. After a sign-in it starts the SSO session.
 */
export function interactionPageEndpoint(
  context: Context,
): (request: Request, id: string) => Promise<Response> {
  return async (request, id) => {
    try {
      const now = context.now();
      const interaction = await loadInteraction(context, request, id, now);
      const authorization = await validateAuthorizationRequest(context, interaction.parameters);
      const session = await currentSession(context, request, now);
      const freshLogin =
        interaction.userId !== null && interaction.authTime !== null
          ? { userId: interaction.userId, authTime: interaction.authTime, amr: interaction.amr }
          : null;
      const cookies: string[] = [];
      let browserSession = session;
      if (freshLogin && (session?.userId !== freshLogin.userId || session.authTime !== freshLogin.authTime)) {
        const started = await startSession(context, freshLogin, now);
        cookies.push(started.setCookie);
        browserSession = started.session;
      }
      const clientName = authorization.client.name ?? authorization.client.clientId;
      // A password was right and a code is due (or a session steps up for acr_values).
      if (interaction.pendingUserId !== null && freshLogin === null) {
        return withCookies(await renderSecondFactorPage(context, interaction, clientName), cookies);
      }
      const step = await nextStep(context, authorization, freshLogin, session, now);
      switch (step.kind) {
        case 'login':
          if (context.loginUrl) return withCookies(seeOther(context.loginUrl(interaction.id)), cookies);
          return withCookies(
            loginPage({
              actionUrl: `${context.issuer}/interaction/${interaction.id}/login`,
              csrfToken: interaction.csrfToken,
              clientName,
              ...(authorization.loginHint ? { username: authorization.loginHint } : {}),
              ...loginPageExtras(context, interaction),
            }),
            cookies,
          );
        case 'second-factor':
          await context.store.setInteractionPendingUser(interaction.id, step.login.userId);
          return withCookies(await renderSecondFactorPage(context, interaction, clientName), cookies);
        case 'consent': {
          const user = await context.store.findUserById(step.login.userId);
          return withCookies(
            consentPage({
              actionUrl: `${context.issuer}/interaction/${interaction.id}/consent`,
              csrfToken: interaction.csrfToken,
              clientName,
              redirectHost: new URL(authorization.target.redirectUri).host,
              username: user?.username ?? step.login.userId,
              scopes: authorization.scopes,
              claims: claimsBeyondScopes(authorization.claims, authorization.scopes),
              onlyLocalRedirects: authorization.client.redirectUris.every(
                (uri) => URL.canParse(uri) && isLoopbackHost(new URL(uri).hostname),
              ),
            }),
            cookies,
          );
        }
        case 'issue-code':
          await context.store.deleteInteraction(interaction.id);
          return withCookies(
            await issueCode(context, authorization, step.login, now, browserSession),
            cookies,
          );
      }
    } catch (error) {
      return respondToBrowserError(context.issuer, error);
    }
  };
}

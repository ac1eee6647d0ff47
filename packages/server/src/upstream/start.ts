import {
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from '@codegrant/client';
import { respondToAccountError } from '../accounts/account-error.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { withCookies } from '../interaction/cookies.ts';
import { loadInteraction } from '../interaction/interactions.ts';
import { noticePage } from '../pages/notice-page.ts';
import { flowCookie } from './flow-cookie.ts';

type Context = Pick<
  ServerContext,
  'issuer' | 'store' | 'secureCookies' | 'lifetimes' | 'upstreamProviders' | 'logger' | 'now'
>;

/**
 * `GET /interaction/:id/upstream/:provider`: "Sign in with {provider}" on the login page. Sends the
 * browser to the provider with a new `state`, PKCE (S256) and, for OpenID providers, a `nonce`,
 * kept in this browser's flow cookie for the callback; the pending interaction must be this
 * browser's.
 */
export function upstreamStartEndpoint(
  context: Context,
): (request: Request, interactionId: string, providerId: string) => Promise<Response> {
  return async (request, interactionId, providerId) => {
    try {
      const interaction = await loadInteraction(context, request, interactionId, context.now());
      const provider = context.upstreamProviders.get(providerId);
      if (!provider) {
        return noticePage({
          title: 'Unknown provider',
          message: [`There is no sign-in with "${providerId}" here.`],
          status: 404,
        });
      }
      let configuration: Awaited<ReturnType<typeof provider.configuration>>;
      try {
        configuration = await provider.configuration();
      } catch (error) {
        context.logger({
          level: 'error',
          msg: 'upstream provider unreachable',
          provider: providerId,
          error: String(error),
        });
        return noticePage({
          title: `${provider.options.name} cannot be reached`,
          message: ['Try again in a moment, or sign in another way.'],
          next: { href: `${context.issuer}/interaction/${interaction.id}`, text: 'Back to sign in' },
          status: 502,
        });
      }
      const flow = {
        interactionId: interaction.id,
        provider: providerId,
        state: randomState(),
        nonce: provider.openid ? randomNonce() : null,
        verifier: randomPKCECodeVerifier(),
      };
      const url = buildAuthorizationUrl(configuration, {
        redirect_uri: `${context.issuer}/upstream/callback`,
        scope: provider.scopes.join(' '),
        state: flow.state,
        code_challenge: await calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        ...(flow.nonce ? { nonce: flow.nonce } : {}),
      });
      return withCookies(seeOther(url.href), [flowCookie(context, flow)]);
    } catch (error) {
      return respondToAccountError(error);
    }
  };
}

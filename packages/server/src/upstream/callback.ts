import {
  authorizationCodeGrant,
  ClientError,
  type Configuration,
  fetchProtectedResource,
} from '@codegrant/client';
import { respondToAccountError } from '../accounts/account-error.ts';
import { pendingInteraction } from '../accounts/same-browser.ts';
import { hasSecondFactor } from '../accounts/second-factors.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { withCookies } from '../interaction/cookies.ts';
import { noticePage } from '../pages/notice-page.ts';
import { clearFlowCookie, readFlowCookie, type UpstreamFlow } from './flow-cookie.ts';
import { accountForUpstreamIdentity, type UpstreamIdentity } from './link-account.ts';
import type { UpstreamProvider } from './providers.ts';

type Context = Pick<
  ServerContext,
  | 'issuer'
  | 'store'
  | 'secureCookies'
  | 'lifetimes'
  | 'upstreamProviders'
  | 'accounts'
  | 'logger'
  | 'audit'
  | 'now'
>;

/**
 * `GET /upstream/callback`: where upstream providers send the browser back. With `@codegrant/client`
 * it checks the response (`state`, `iss` when the provider sends it), redeems the code with the PKCE
 * verifier and verifies the ID token (signature, issuer, audience, `nonce`) — or, for a plain OAuth
 * 2.0 provider, reads its user info — then signs the person in to their account
 * (`link-account.ts`) for the pending interaction of this browser, asking for their second factor
 * here when they have one.
 */
export function upstreamCallbackEndpoint(
  context: Context,
): (request: Request, clientAddress: string | undefined) => Promise<Response> {
  return async (request, clientAddress) => {
    const cookies = [clearFlowCookie(context)];
    try {
      const now = context.now();
      const flow = readFlowCookie(context, request);
      const interaction = flow ? await pendingInteraction(context, request, flow.interactionId, now) : null;
      const provider = flow ? context.upstreamProviders.get(flow.provider) : undefined;
      if (!flow || !interaction || !provider) {
        return withCookies(
          noticePage({
            title: 'Sign-in interrupted',
            message: [
              'This sign-in was not started in this browser, or it took too long. Start again from the application.',
            ],
            status: 400,
          }),
          cookies,
        );
      }
      const back = { href: `${context.issuer}/interaction/${interaction.id}`, text: 'Back to sign in' };
      const query = new URL(request.url).search;
      let identity: UpstreamIdentity;
      try {
        identity = await identify(provider, flow, new URL(`${context.issuer}/upstream/callback${query}`));
      } catch (error) {
        context.audit.record({
          type: 'sign_in',
          outcome: 'failure',
          ip: clientAddress ?? null,
          reason: error instanceof ClientError ? error.error : 'upstream_answer_invalid',
          details: { method: 'upstream', provider: provider.options.id },
        });
        context.logger({
          level: 'warn',
          msg: 'upstream sign-in failed',
          provider: provider.options.id,
          error: String(error),
        });
        const reason =
          error instanceof ClientError && error.error === 'access_denied'
            ? 'You did not allow it.'
            : 'Its answer could not be verified.';
        return withCookies(
          noticePage({
            title: `Sign-in with ${provider.options.name} failed`,
            message: [reason],
            next: back,
            status: 400,
          }),
          cookies,
        );
      }
      const account = await accountForUpstreamIdentity(context, provider, identity, now);
      if ('refused' in account) {
        return withCookies(
          noticePage({
            title: `Sign-in with ${provider.options.name}`,
            message: [account.refused],
            next: back,
            status: 403,
          }),
          cookies,
        );
      }
      context.audit.record({
        type: 'sign_in',
        outcome: 'success',
        userId: account.userId,
        clientId: interaction.clientId,
        ip: clientAddress ?? null,
        details: { method: 'upstream', provider: provider.options.id },
      });
      if (await hasSecondFactor(context, account.userId)) {
        await context.store.setInteractionPendingUser(interaction.id, account.userId);
      } else {
        // How the provider authenticated the person is its own business: no amr, so no acr, is claimed.
        await context.store.setInteractionLogin(interaction.id, {
          userId: account.userId,
          authTime: now,
          amr: [],
        });
      }
      return withCookies(seeOther(back.href), cookies);
    } catch (error) {
      return withCookies(respondToAccountError(error), cookies);
    }
  };
}

/** The identity in the provider's answer: from the verified ID token, or the user info of a plain OAuth 2.0 provider. */
async function identify(
  provider: UpstreamProvider,
  flow: UpstreamFlow,
  callbackUrl: URL,
): Promise<UpstreamIdentity> {
  const configuration = await provider.configuration();
  const tokens = await authorizationCodeGrant(configuration, callbackUrl, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    ...(flow.nonce ? { expectedNonce: flow.nonce, idTokenExpected: true } : {}),
    // A plain OAuth 2.0 provider publishes no keys: an ID token it may add (asked `openid` for its
    // user info) is not used for who signed in, so its signature is not checked (it came over TLS
    // from the token endpoint, OpenID Connect Core §3.1.3.7); the user info is what counts.
    skipIdTokenSignatureCheck: !provider.openid,
  });
  if (provider.openid) {
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    return {
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email : null,
      emailVerified: claims.email_verified === true,
      name: typeof claims.name === 'string' ? claims.name : null,
    };
  }
  return userInfoIdentity(provider, configuration, tokens.access_token);
}

/** A plain OAuth 2.0 provider's user info (JSON): its subject field, `email`, `name`. */
async function userInfoIdentity(
  provider: UpstreamProvider,
  configuration: Configuration,
  accessToken: string,
): Promise<UpstreamIdentity> {
  const response = await fetchProtectedResource(
    configuration,
    accessToken,
    new URL(provider.options.userinfoEndpoint!),
    'GET',
    undefined,
    new Headers({ accept: 'application/json' }),
  );
  if (!response.ok) throw new Error(`user info answered ${response.status}`);
  const info = (await response.json()) as Record<string, unknown>;
  const subject = info[provider.options.subjectClaim ?? 'sub'] ?? info.id;
  if ((typeof subject !== 'string' && typeof subject !== 'number') || subject === '') {
    throw new Error('user info has no subject');
  }
  return {
    subject: String(subject),
    email: typeof info.email === 'string' ? info.email : null,
    emailVerified: provider.options.emailsVerified === true && typeof info.email === 'string',
    name: typeof info.name === 'string' ? info.name : null,
  };
}

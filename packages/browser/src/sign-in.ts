import {
  authorizationCodeGrantRequest,
  authorizationUrl,
  calculatePKCECodeChallenge,
  processAuthorizationCodeResponse,
  randomNonce,
  randomPKCECodeVerifier,
  validateAuthResponse,
} from '@codegrant/client';
import { type Context, withDPoPNonce } from './context.ts';
import { newState, type RequestKind, type RequestState } from './request-state.ts';
import { hasOpenId } from './settings.ts';
import type { User } from './user.ts';
import { userFromTokens } from './user-from-tokens.ts';
import { completeProfile } from './user-info.ts';

/**
 * What a sign-in may add to the authorization request.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export interface SigninArgs {
  /** Anything of the app's (the page to return to, …): back as `user.state` after the round trip. */
  state?: unknown;
  /** Instead of the settings' scope (must include `openid`). */
  scope?: string;
  /** `login`, `consent`, `select_account`, … (`signinSilent` always sends `none`). */
  prompt?: string;
  login_hint?: string;
  /** Seconds: the identity provider re-authenticates an older session; `auth_time` is checked. */
  max_age?: number;
  /** More parameters, added to the settings' `extraQueryParams`. */
  extraQueryParams?: Record<string, string>;
}

/**
 * @internal An authorization request: PKCE S256, `state` (its first letter the kind), `nonce`,
 * `dpop_jkt` with DPoP (RFC 9449 §10: the code is bound to the key); and what its answer is
 * checked against.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4
 */
export async function createSigninRequest(
  context: Context,
  kind: RequestKind,
  redirectUri: string,
  defaults: { scope: string; extraQueryParams?: Record<string, string> | undefined },
  args: SigninArgs,
): Promise<{ url: string; request: RequestState }> {
  const scope = args.scope ?? defaults.scope;
  if (!hasOpenId(scope)) throw new TypeError(`scope must include openid, got "${scope}"`);
  const request: RequestState = {
    state: newState(kind),
    created: Math.floor(Date.now() / 1000),
    data: args.state,
    code_verifier: randomPKCECodeVerifier(),
    nonce: randomNonce(),
    redirect_uri: redirectUri,
    max_age: args.max_age,
  };
  const parameters: Record<string, string> = {
    ...defaults.extraQueryParams,
    ...args.extraQueryParams,
    scope,
    redirect_uri: redirectUri,
    code_challenge: await calculatePKCECodeChallenge(request.code_verifier!),
    code_challenge_method: 'S256',
    state: request.state,
    nonce: request.nonce!,
  };
  if (args.prompt) parameters.prompt = args.prompt;
  if (args.login_hint) parameters.login_hint = args.login_hint;
  if (args.max_age !== undefined) parameters.max_age = String(args.max_age);
  if (context.dpop) parameters.dpop_jkt = await context.dpop.calculateThumbprint();
  return { url: authorizationUrl(context.as, context.client, parameters, context.http).href, request };
}

/**
 * @internal Finishes a sign-in: the callback checked (`iss` per RFC 9207, `state`, `error`, `code`),
 * the code redeemed with the PKCE verifier, the ID token validated (signature against the JWKS,
 * `iss`, `aud`, `exp`, `iat`, `nonce`, `auth_time` against `max_age`, `at_hash`).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function completeSignin(context: Context, url: string, request: RequestState): Promise<User> {
  const { as, client, http, dpop } = context;
  const parameters = validateAuthResponse(as, client, new URL(url), request.state);
  const tokens = await withDPoPNonce(context, async () =>
    processAuthorizationCodeResponse(
      as,
      client,
      await authorizationCodeGrantRequest(
        as,
        client,
        parameters,
        request.redirect_uri!,
        request.code_verifier!,
        {
          ...http,
          DPoP: dpop,
        },
      ),
      { ...http, expectedNonce: request.nonce, maxAge: request.max_age, requireIdToken: true },
    ),
  );
  return completeProfile(context, userFromTokens(tokens, undefined, request.data));
}

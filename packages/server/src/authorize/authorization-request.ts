import { isValidS256CodeChallenge, splitSpaceDelimited } from '@codegrant/protocol';
import {
  type ClaimsRequest,
  ClaimsRequestError,
  parseClaimsParameter,
  requestedAcr,
} from '../claims/claims-request.ts';
import type { ServerContext } from '../context.ts';
import { grantResources } from '../resources/resource-indicators.ts';
import type { ClientRecord } from '../store/store.ts';
import { AuthorizationError, type ResponseTarget } from './authorization-error.ts';
import { isRegisteredRedirectUri } from './redirect-uri.ts';

/**
 * What the endpoints of the authorization flow (authorize, the interaction pages, login, consent)
 * are built from: the request's validation and the interaction and session state.
 */
export type AuthorizationFlowContext = Pick<
  ServerContext,
  | 'findClient'
  | 'scopes'
  | 'resources'
  | 'defaultResource'
  | 'store'
  | 'issuer'
  | 'lifetimes'
  | 'secureCookies'
  | 'accounts'
  | 'upstreamProviders'
  | 'audit'
  | 'settings'
  | 'subjects'
  | 'now'
  | 'backchannelLogout'
>;

/** The `prompt` values supported (OpenID Connect Core §3.1.2.1). */
export type Prompt = 'none' | 'login' | 'consent';

/** A validated authorization request. */
export interface AuthorizationRequest {
  client: ClientRecord;
  target: ResponseTarget;
  /** The requested scopes the server knows, in request order (unknown ones are ignored, OIDC Core §3.1.2.1). */
  scopes: string[];
  nonce: string | null;
  codeChallenge: string | null;
  prompt: Set<Prompt>;
  maxAge: number | null;
  /**
   * The `acr` values wanted, in order of preference: those of the claims request's `id_token.acr`
   * (`value` or `values`, OpenID Connect Core §5.5.1.1) when it names some, else `acr_values`
   * (§3.1.2.1); empty when neither does.
   */
  acrValues: string[];
  /** The claims request marks `acr` essential: an `acr` outside {@link acrValues} fails the request. */
  acrEssential: boolean;
  /**
   * The `claims` parameter (OpenID Connect Core §5.5), validated; `null` when not sent, or when
   * the request is not an OpenID Connect one (no `openid` scope), which it would not apply to.
   */
  claims: ClaimsRequest | null;
  loginHint: string | null;
  /** RFC 8707: the resources the tokens will be for. */
  resources: string[];
  /** RFC 9449 §10: the DPoP key the code will be bound to. */
  dpopJkt: string | null;
  /** The parameters as received, to store with an interaction and validate again on resume. */
  parameters: Record<string, string>;
}

const RESPONSE_MODES = new Set(['query', 'form_post']);
const PROMPTS = new Set<string>(['none', 'login', 'consent']);

/**
 * Validates an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core
 * §3.1.2.1), in the order that decides how errors are reported: first the client and redirect URI
 * (errors shown on a page), then everything else (errors sent to the verified redirect URI).
 *
 * @throws {AuthorizationError}
 */
export async function validateAuthorizationRequest(
  context: Pick<ServerContext, 'findClient' | 'scopes' | 'resources' | 'defaultResource'>,
  parameters: Record<string, string>,
): Promise<AuthorizationRequest> {
  const { client, target } = await resolveClientAndTarget(context, parameters);
  const clientId = client.clientId;
  const responseMode = parameters.response_mode ?? 'query';
  const fail = (error: ConstructorParameters<typeof AuthorizationError>[0], description: string) =>
    new AuthorizationError(error, description, target);

  if (!RESPONSE_MODES.has(responseMode))
    throw fail('invalid_request', `response_mode ${responseMode} is not supported; use query or form_post`);
  if (parameters.response_type !== 'code') {
    throw fail(
      'unsupported_response_type',
      `response_type must be code, got ${parameters.response_type ?? 'none'}`,
    );
  }
  if (!client.grantTypes.includes('authorization_code')) {
    throw fail('unauthorized_client', `client ${clientId} may not use the authorization code grant`);
  }

  const codeChallenge = checkPkceParameters(client, parameters, fail);
  const prompt = parsePrompt(parameters.prompt, fail);
  const maxAge = parseMaxAge(parameters.max_age, fail);
  let resources: string[];
  try {
    resources = grantResources(context, parameters.resource);
  } catch (error) {
    throw new AuthorizationError('invalid_target', (error as Error).message, target);
  }
  const dpopJkt = parameters.dpop_jkt ?? null;
  // A JWK SHA-256 thumbprint (RFC 7638) is 43 base64url characters.
  if (dpopJkt !== null && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt)) {
    throw fail('invalid_request', 'dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 §10)');
  }

  let scopes = splitSpaceDelimited(parameters.scope).filter((scope) => context.scopes.includes(scope));
  // A client that may not refresh gets no offline access, rather than an error.
  if (!client.grantTypes.includes('refresh_token'))
    scopes = scopes.filter((scope) => scope !== 'offline_access');
  const claims = parseClaims(parameters.claims, scopes, fail);
  const acr = requestedAcr(claims);

  return {
    client,
    target,
    scopes,
    nonce: parameters.nonce ?? null,
    codeChallenge,
    prompt,
    maxAge,
    acrValues:
      acr !== null && acr.values.length > 0 ? acr.values : splitSpaceDelimited(parameters.acr_values),
    acrEssential: acr?.essential ?? false,
    claims,
    loginHint: parameters.login_hint ?? null,
    resources,
    dpopJkt,
    parameters,
  };
}

/**
 * The first checks of an authorization request: a known client and one of its registered redirect
 * URIs. Until both hold, errors go on a page, never to the (unverified) redirect URI.
 *
 * @throws {AuthorizationError} without a target
 */
export async function resolveClientAndTarget(
  context: Pick<ServerContext, 'findClient'>,
  parameters: Record<string, string>,
): Promise<{ client: ClientRecord; target: ResponseTarget }> {
  const { client_id: clientId, redirect_uri: redirectUri } = parameters;
  if (!clientId) throw new AuthorizationError('invalid_request', 'the client_id parameter is required');
  const client = await context.findClient(clientId);
  if (!client)
    throw new AuthorizationError('invalid_request', `unknown client_id ${JSON.stringify(clientId)}`);
  if (!redirectUri) throw new AuthorizationError('invalid_request', 'the redirect_uri parameter is required');
  if (!isRegisteredRedirectUri(client.redirectUris, redirectUri)) {
    throw new AuthorizationError(
      'invalid_request',
      `redirect_uri ${redirectUri} is not registered for client ${clientId}`,
    );
  }
  return {
    client,
    target: {
      redirectUri,
      // An unsupported response_mode is reported in the default mode.
      responseMode: parameters.response_mode === 'form_post' ? 'form_post' : 'query',
      state: parameters.state,
    },
  };
}

type Fail = (error: 'invalid_request', description: string) => AuthorizationError;

/**
 * PKCE (RFC 7636, RFC 9700 §2.1.1): S256 only; required of every client, unless a confidential
 * client was explicitly allowed to omit it. Such a client must then send what RFC 9700 §2.1.1
 * accepts instead: an OpenID Connect `nonce`, which binds the code to its session as PKCE would
 * (libraries such as passport-openidconnect send no PKCE).
 */
function checkPkceParameters(
  client: ClientRecord,
  parameters: Record<string, string>,
  fail: Fail,
): string | null {
  const { code_challenge: challenge, code_challenge_method: method } = parameters;
  if (challenge === undefined) {
    if (method !== undefined)
      throw fail('invalid_request', 'code_challenge_method sent without code_challenge');
    const mayOmit = client.allowMissingPkce && client.tokenEndpointAuthMethod !== 'none';
    if (!mayOmit)
      throw fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
    const openid = splitSpaceDelimited(parameters.scope).includes('openid');
    if (!openid || !parameters.nonce)
      throw fail(
        'invalid_request',
        'without PKCE, send scope openid with a nonce (RFC 9700 §2.1.1), or send code_challenge',
      );
    return null;
  }
  if (method !== 'S256') {
    throw fail('invalid_request', `code_challenge_method must be S256, got ${method ?? 'none (plain)'}`);
  }
  if (!isValidS256CodeChallenge(challenge)) {
    throw fail('invalid_request', 'code_challenge must be 43 base64url characters (an S256 challenge)');
  }
  return challenge;
}

/**
 * The `claims` parameter (OpenID Connect Core §5.5): malformed JSON or shape is `invalid_request`
 * (RFC 6749 §4.1.2.1). Without the `openid` scope there is no ID token or UserInfo for it to shape,
 * so it is then ignored, like the other OpenID Connect parameters of a plain OAuth request.
 */
function parseClaims(value: string | undefined, scopes: string[], fail: Fail): ClaimsRequest | null {
  if (value === undefined) return null;
  let claims: ClaimsRequest;
  try {
    claims = parseClaimsParameter(value);
  } catch (error) {
    if (error instanceof ClaimsRequestError) throw fail('invalid_request', error.message);
    throw error;
  }
  if (!scopes.includes('openid') || (claims.userinfo === undefined && claims.id_token === undefined))
    return null;
  return claims;
}

function parsePrompt(value: string | undefined, fail: Fail): Set<Prompt> {
  const prompts = splitSpaceDelimited(value);
  const unknown = prompts.filter((p) => !PROMPTS.has(p));
  if (unknown.length > 0) throw fail('invalid_request', `unsupported prompt value ${unknown.join(' ')}`);
  if (prompts.includes('none') && prompts.length > 1) {
    throw fail('invalid_request', 'prompt=none cannot be combined with other prompt values');
  }
  return new Set(prompts as Prompt[]);
}

function parseMaxAge(value: string | undefined, fail: Fail): number | null {
  if (value === undefined) return null;
  if (!/^\d{1,10}$/.test(value))
    throw fail('invalid_request', `max_age must be a non-negative integer, got ${value}`);
  return Number(value);
}

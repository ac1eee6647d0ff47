/**
 * The steps of the authorization code flow, done by hand with `fetch` and `jose` so that each
 * request and check can be shown. Each step returns a {@link Step} record for the page; a refused
 * step throws a {@link FlowError} carrying its record, with the reason.
 */
import {
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  uniqueParameters,
} from '@codegrant/protocol';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Provider } from './discovery.ts';
import { type HttpExchange, sendRecorded } from './http-exchange.ts';
import { type IdTokenClaims, type IdTokenExpectations, verifyIdToken } from './id-token.ts';

/** The registration of this app at the identity provider. */
export interface ClientSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Space-separated scopes to ask for. */
  scope: string;
  /** The registered `id_token_signed_response_alg`. */
  idTokenSigningAlg: string;
}

/** The secrets of a sign-in in progress, kept server-side until the callback. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The tokens the app holds for a signed-in user. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string;
  idTokenClaims: IdTokenClaims;
}

/** Which step of the flow a {@link Step} records. */
export type StepKind = 'authorization' | 'callback' | 'token' | 'userinfo' | 'refresh' | 'api';

/** A JWT split into its decoded parts, for display (decoded only: verification is separate). */
export interface DecodedJwt {
  name: string;
  header: unknown;
  payload: Record<string, unknown>;
}

/** One step as it happened: what went over the wire, what the app checked, and what failed. */
export interface Step {
  kind: StepKind;
  /** When it happened (ISO 8601). */
  at: string;
  /** A front-channel step: the URL the browser went to. */
  url?: string;
  /** A back-channel step: the app's request and the response. */
  exchange?: HttpExchange;
  /** Tokens of a token response, decoded. */
  jwts?: DecodedJwt[];
  /** What the app verified, in words. */
  checks: string[];
  /** Facts worth knowing that are not checks. */
  notes?: string[];
  /** Why the app refused to go on. */
  error?: string;
}

/** A step the app refused: the message says why, the step shows what happened. */
export class FlowError extends Error {
  /** @param step the record of the refused step, `error` set */
  constructor(
    message: string,
    readonly step: Step,
  ) {
    super(message);
    this.name = 'FlowError';
  }
}

/**
 * Step 1: the authorization request (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1) with fresh
 * `state`, `nonce` and a PKCE S256 challenge (RFC 7636).
 *
 * @returns the URL to send the browser to, and the secrets to keep for the callback
 */
export async function startSignIn(
  provider: Provider,
  client: ClientSettings,
): Promise<{ url: string; pending: PendingSignIn; step: Step }> {
  const pending: PendingSignIn = {
    state: randomState(),
    nonce: randomNonce(),
    codeVerifier: randomPKCECodeVerifier(),
  };
  const url = new URL(provider.authorizationEndpoint);
  const parameters = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: client.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  const step: Step = {
    kind: 'authorization',
    at: new Date().toISOString(),
    url: url.href,
    checks: [],
    notes: [
      `state, nonce and the PKCE code_verifier (${pending.codeVerifier}) stay in this app's server-side session; the browser holds only an opaque session cookie.`,
      'code_challenge is BASE64URL(SHA-256(code_verifier)): only the hash travels through the browser.',
    ],
  };
  return { url: url.href, pending, step };
}

/**
 * Step 2: the authorization response at the redirect URI, checked in the order that matters:
 * `iss` first (RFC 9207 §2.4: even an error is not trusted from a server we did not ask), then
 * `state` (RFC 6749 §10.12), then `error`, then the `code`.
 *
 * @throws {FlowError}
 */
export function validateCallback(
  provider: Provider,
  pending: PendingSignIn,
  callbackUrl: string,
): { code: string; step: Step } {
  const step: Step = { kind: 'callback', at: new Date().toISOString(), url: callbackUrl, checks: [] };
  let params: Record<string, string>;
  try {
    params = uniqueParameters(new URL(callbackUrl).searchParams);
  } catch (error) {
    throw refuse(step, (error as Error).message);
  }
  if (params.iss !== undefined) {
    if (params.iss !== provider.issuer) {
      throw refuse(
        step,
        `iss is ${params.iss}, expected ${provider.issuer}: the response comes from another server (RFC 9207)`,
      );
    }
    step.checks.push(`iss equals the issuer, ${provider.issuer} (RFC 9207 mix-up defence)`);
  } else if (provider.issParameterSupported) {
    throw refuse(step, 'iss is missing, though the discovery document promises it (RFC 9207)');
  }
  if (params.state !== pending.state) {
    throw refuse(
      step,
      'state does not match the one this session sent: the response belongs to another sign-in',
    );
  }
  step.checks.push('state matches the one kept in the session (CSRF defence)');
  if (params.error !== undefined) {
    const description = params.error_description ? `: ${params.error_description}` : '';
    throw refuse(step, `the identity provider answered error=${params.error}${description}`);
  }
  if (params.code === undefined) throw refuse(step, 'the response has neither a code nor an error');
  step.checks.push('no error, and a code');
  return { code: params.code, step };
}

/**
 * Step 3: redeems the code at the token endpoint (RFC 6749 §4.1.3) with the PKCE verifier,
 * authenticating with `client_secret_basic`, then validates the ID token.
 *
 * @throws {FlowError}
 */
export async function redeemCode(
  provider: Provider,
  client: ClientSettings,
  pending: PendingSignIn,
  code: string,
): Promise<{ tokens: TokenSet; step: Step }> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
    code_verifier: pending.codeVerifier,
  });
  const { step, json } = await tokenRequest('token', provider, client, body);
  const response = readTokenResponse(step, json);
  if (typeof response.id_token !== 'string') {
    throw refuse(step, 'no id_token, though the scope has openid (OpenID Connect Core §3.1.3.3)');
  }
  const idTokenClaims = await checkIdToken(step, response.id_token, provider, {
    clientId: client.clientId,
    alg: client.idTokenSigningAlg,
    accessToken: response.access_token,
    nonce: pending.nonce,
  });
  return {
    tokens: {
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
      idToken: response.id_token,
      idTokenClaims,
    },
    step,
  };
}

/**
 * Step 4: the UserInfo request (OpenID Connect Core §5.3) with the access token as a Bearer token.
 *
 * @param sub the ID token's subject, which the answer must be about (§5.3.2)
 * @throws {FlowError}
 */
export async function fetchUserinfo(
  provider: Provider,
  accessToken: string,
  sub: string,
): Promise<{ claims: Record<string, unknown>; step: Step }> {
  const { exchange, json } = await sendRecorded({
    method: 'GET',
    url: provider.userinfoEndpoint,
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    // The access token is on the page already (token response): a prefix identifies it.
    shownHeaders: { authorization: `Bearer ${accessToken.slice(0, 16)}… (the access token)` },
  });
  const step: Step = { kind: 'userinfo', at: new Date().toISOString(), exchange, checks: [] };
  const response = exchange.response;
  if (!response) throw refuse(step, exchange.failure ?? 'no response');
  if (response.status !== 200) {
    throw refuse(step, `the UserInfo endpoint answered ${response.status}${describeOAuthError(json)}`);
  }
  if (!isRecord(json)) throw refuse(step, 'the UserInfo response is not a JSON object');
  // Claims about another subject would be a token substitution attack.
  if (json.sub !== sub) throw refuse(step, `sub is ${String(json.sub)}, but the ID token's is ${sub}`);
  step.checks.push(`sub equals the ID token's (${sub})`);
  return { claims: json, step };
}

/**
 * Calls the app's own API (`GET /api/me`, see `api.ts`) with the access token as a Bearer token
 * (RFC 6750 §2.1), as any client of the API would.
 *
 * @throws {FlowError} when the API refuses the token (its `WWW-Authenticate` challenge is on the page)
 */
export async function callApi(apiUrl: string, accessToken: string): Promise<Step> {
  const { exchange, json } = await sendRecorded({
    method: 'GET',
    url: apiUrl,
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    shownHeaders: { authorization: `Bearer ${accessToken.slice(0, 16)}… (the access token)` },
  });
  const step: Step = { kind: 'api', at: new Date().toISOString(), exchange, checks: [] };
  const response = exchange.response;
  if (!response) throw refuse(step, exchange.failure ?? 'no response');
  if (response.status !== 200) {
    const challenge = new Headers(response.headers).get('www-authenticate');
    throw refuse(
      step,
      `the API answered ${response.status}${challenge ? ` (WWW-Authenticate: ${challenge})` : ''}${describeOAuthError(json)}`,
    );
  }
  step.checks.push(
    'the API verified the access token (typ at+jwt, signature, iss, aud, exp) and answered whom it is about',
  );
  return step;
}

/**
 * The refresh token grant (RFC 6749 §6). The identity provider rotates refresh tokens, so the new
 * one replaces the old; a new ID token must be about the same authentication (OpenID Connect
 * Core §12.2).
 *
 * @throws {FlowError}
 */
export async function refreshTokens(
  provider: Provider,
  client: ClientSettings,
  current: TokenSet,
  refreshToken: string,
): Promise<{ tokens: TokenSet; step: Step }> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const { step, json } = await tokenRequest('refresh', provider, client, body);
  const response = readTokenResponse(step, json);
  const notes: string[] = [];
  let { idToken, idTokenClaims } = current;
  if (typeof response.id_token === 'string') {
    idToken = response.id_token;
    idTokenClaims = await checkIdToken(step, idToken, provider, {
      clientId: client.clientId,
      alg: client.idTokenSigningAlg,
      accessToken: response.access_token,
      previous: current.idTokenClaims,
    });
  } else {
    notes.push('no new ID token (optional on refresh): the first one stays');
  }
  notes.push(
    response.refresh_token
      ? 'a new refresh token replaces the old one, which the identity provider now refuses (rotation)'
      : 'no new refresh token: the old one stays',
  );
  step.notes = notes;
  return {
    tokens: {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? refreshToken,
      idToken,
      idTokenClaims,
    },
    step,
  };
}

/** The fields of a successful token response the app uses (RFC 6749 §5.1). */
interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/** Sends a token request with `client_secret_basic` and records it as a step. */
async function tokenRequest(
  kind: 'token' | 'refresh',
  provider: Provider,
  client: ClientSettings,
  body: URLSearchParams,
): Promise<{ step: Step; json: unknown }> {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
  const credentials = btoa(`${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`);
  const { exchange, json } = await sendRecorded({
    method: 'POST',
    url: provider.tokenEndpoint,
    headers: { authorization: `Basic ${credentials}`, accept: 'application/json' },
    body,
    shownHeaders: { authorization: 'Basic ****' },
  });
  const step: Step = { kind, at: new Date().toISOString(), exchange, checks: [] };
  if (isRecord(json)) {
    step.jwts = (['id_token', 'access_token'] as const).flatMap((name) => decodeForDisplay(name, json[name]));
  }
  return { step, json };
}

/** Checks a token response: 200, JSON, a Bearer access token (RFC 6749 §5.1). */
function readTokenResponse(step: Step, json: unknown): TokenResponse {
  const response = step.exchange?.response;
  if (!response) throw refuse(step, step.exchange?.failure ?? 'no response');
  if (response.status !== 200) {
    throw refuse(step, `the token endpoint answered ${response.status}${describeOAuthError(json)}`);
  }
  if (!isRecord(json) || typeof json.access_token !== 'string') {
    throw refuse(step, 'the response is not a JSON object with an access_token');
  }
  // RFC 6749 §7.1: token types compare case-insensitively.
  if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') {
    throw refuse(step, `token_type is ${String(json.token_type)}, expected Bearer`);
  }
  step.checks.push('200 OK, with an access_token of type Bearer');
  return {
    access_token: json.access_token,
    ...(typeof json.refresh_token === 'string' ? { refresh_token: json.refresh_token } : {}),
    ...(typeof json.id_token === 'string' ? { id_token: json.id_token } : {}),
  };
}

async function checkIdToken(
  step: Step,
  idToken: string,
  provider: Provider,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  try {
    const { claims, checks } = await verifyIdToken(idToken, provider, expected);
    step.checks.push(...checks);
    return claims;
  } catch (error) {
    throw refuse(step, `the ID token is not valid: ${(error as Error).message}`);
  }
}

/** Decodes a token for display; an opaque (non-JWT) token is simply not shown decoded. */
function decodeForDisplay(name: string, token: unknown): DecodedJwt[] {
  if (typeof token !== 'string') return [];
  try {
    return [{ name, header: decodeProtectedHeader(token), payload: decodeJwt(token) }];
  } catch {
    return [];
  }
}

function refuse(step: Step, message: string): FlowError {
  step.error = message;
  return new FlowError(message, step);
}

/** `application/x-www-form-urlencoded` encoding of one value. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function describeOAuthError(json: unknown): string {
  if (!isRecord(json) || typeof json.error !== 'string') return '';
  return typeof json.error_description === 'string'
    ? `: ${json.error}, ${json.error_description}`
    : `: ${json.error}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { CLAIMS_BY_SCOPE } from '@codegrant/protocol';

/** How one claim is asked for (OpenID Connect Core §5.5.1); `null` asks for it in the default manner. */
export interface ClaimRequest {
  /** The client needs it for a smooth experience; it is still not an error when it is unavailable. */
  essential?: boolean;
  /** The one value wanted (honoured for `sub` and `acr`). */
  value?: unknown;
  /** The values wanted, in order of preference (honoured for `acr`). */
  values?: unknown[];
}

/** The `claims` request parameter (OpenID Connect Core §5.5): which claims go where. */
export interface ClaimsRequest {
  /** Claims UserInfo returns. */
  userinfo?: Record<string, ClaimRequest | null>;
  /** Claims the ID token carries. */
  id_token?: Record<string, ClaimRequest | null>;
}

/** The members of a claims request this server reads; others are ignored (§5.5: "not understood"). */
const MEMBERS = ['userinfo', 'id_token'] as const;

/**
 * The claims about the end-user that can be asked for one by one: the standard claims (Core §5.1),
 * which scopes release in groups (`profile`, `email`, …). Other names are ignored (§5.5.1).
 */
const USER_CLAIMS = new Set(Object.values(CLAIMS_BY_SCOPE).flat());

/** The scope that releases each standard claim. */
const SCOPE_OF_CLAIM = new Map(
  Object.entries(CLAIMS_BY_SCOPE).flatMap(([scope, claims]) => claims.map((claim) => [claim, scope])),
);

/** Why a `claims` parameter was refused. */
export class ClaimsRequestError extends Error {
  override readonly name = 'ClaimsRequestError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses and validates a `claims` parameter: a JSON object whose `userinfo` and `id_token` members,
 * when present, are objects mapping claim names to `null` or to `{essential?, value?, values?}`
 * (`essential` a boolean, `values` an array). Members and fields this server does not read are
 * dropped; what remains is returned, normalized.
 *
 * @throws {ClaimsRequestError} naming what is malformed
 */
export function parseClaimsParameter(text: string): ClaimsRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ClaimsRequestError('claims must be a JSON object (OpenID Connect Core §5.5); it is not JSON');
  }
  if (!isObject(parsed))
    throw new ClaimsRequestError('claims must be a JSON object (OpenID Connect Core §5.5)');
  const request: ClaimsRequest = {};
  for (const member of MEMBERS) {
    const entries = parsed[member];
    if (entries === undefined) continue;
    if (!isObject(entries)) throw new ClaimsRequestError(`claims.${member} must be a JSON object`);
    const normalized: Record<string, ClaimRequest | null> = {};
    for (const [name, entry] of Object.entries(entries)) {
      normalized[name] = claimRequest(`claims.${member}.${name}`, entry);
    }
    request[member] = normalized;
  }
  return request;
}

function claimRequest(where: string, entry: unknown): ClaimRequest | null {
  if (entry === null) return null;
  if (!isObject(entry)) throw new ClaimsRequestError(`${where} must be null or a JSON object`);
  const request: ClaimRequest = {};
  if (entry.essential !== undefined) {
    if (typeof entry.essential !== 'boolean')
      throw new ClaimsRequestError(`${where}.essential must be a boolean`);
    request.essential = entry.essential;
  }
  if (entry.value !== undefined) request.value = entry.value;
  if (entry.values !== undefined) {
    if (!Array.isArray(entry.values)) throw new ClaimsRequestError(`${where}.values must be an array`);
    request.values = entry.values;
  }
  return request;
}

/** The standard claims about the user a claims request asks for in `member` (or in either), in order. */
export function requestedUserClaims(
  request: ClaimsRequest | null,
  member?: 'userinfo' | 'id_token',
): string[] {
  if (request === null) return [];
  const members = member ? [member] : MEMBERS;
  const names = members.flatMap((name) => Object.keys(request[name] ?? {}));
  return [...new Set(names.filter((name) => USER_CLAIMS.has(name)))];
}

/**
 * The claims a user must consent to on their own for this request: those asked for with the claims
 * parameter that no requested scope releases anyway.
 */
export function claimsBeyondScopes(request: ClaimsRequest | null, scopes: readonly string[]): string[] {
  return requestedUserClaims(request).filter((claim) => !scopes.includes(SCOPE_OF_CLAIM.get(claim) ?? ''));
}

/** The consent entry of a claim granted on its own (kept beside the scopes of a consent). */
export function claimConsent(claim: string): string {
  return `claim:${claim}`;
}

/** Whether `granted` (the scopes and `claim:` entries of a consent) covers claim `claim`. */
export function consentCovers(granted: readonly string[], claim: string): boolean {
  return granted.includes(claimConsent(claim)) || granted.includes(SCOPE_OF_CLAIM.get(claim) ?? '');
}

/**
 * What the claims request says of `acr` in the ID token (Core §5.5.1.1): the values wanted (`value`
 * or `values`, strings only; empty when it names none) and whether it is essential. `null` when it
 * does not mention `acr`.
 */
export function requestedAcr(request: ClaimsRequest | null): { values: string[]; essential: boolean } | null {
  if (!request?.id_token || !('acr' in request.id_token)) return null;
  const acr = request.id_token.acr ?? {};
  const wanted = acr.values ?? (acr.value !== undefined ? [acr.value] : []);
  return {
    values: wanted.filter((value): value is string => typeof value === 'string'),
    essential: acr.essential === true,
  };
}

/** The `sub` a claims request wants in the ID token (Core §5.5.1: `"sub": {"value": …}`), if any. */
export function requestedSubject(request: ClaimsRequest | null): string | null {
  const value = request?.id_token?.sub?.value;
  return typeof value === 'string' ? value : null;
}

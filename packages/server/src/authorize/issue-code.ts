import type { ServerContext } from '../context.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import type { AuthorizationRequest } from './authorization-request.ts';
import { sendAuthorizationResponse } from './authorization-response.ts';
import type { Login } from './next-step.ts';

/**
 * Ends a successful authorization: stores a new grant with its code (hashed; single-use, short
 * lived, bound to client, redirect URI, PKCE challenge, nonce, scopes, claims request and
 * auth_time) and sends the code to the client with `state` and `iss`.
 */
export async function issueCode(
  context: Pick<ServerContext, 'store' | 'issuer' | 'lifetimes'>,
  request: AuthorizationRequest,
  login: Login,
  now: number,
  headers: Record<string, string> = {},
): Promise<Response> {
  const code = randomValue();
  const codeExpiresAt = now + context.lifetimes.code;
  await context.store.insertGrant({
    id: randomValue(16),
    clientId: request.client.clientId,
    userId: login.userId,
    scopes: request.scopes,
    authTime: login.authTime,
    amr: login.amr,
    nonce: request.nonce,
    redirectUri: request.target.redirectUri,
    codeHash: sha256(code),
    codeChallenge: request.codeChallenge,
    resources: request.resources,
    dpopJkt: request.dpopJkt,
    claims: request.claims === null ? null : JSON.stringify(request.claims),
    codeExpiresAt,
    codeConsumedAt: null,
    revokedAt: null,
    createdAt: now,
    // Long enough for the first access token: redeeming the code then writes nothing else.
    expiresAt: codeExpiresAt + context.lifetimes.accessToken,
  });
  return sendAuthorizationResponse(context.issuer, request.target, { code }, headers);
}

import type { ServerContext } from '../context.ts';
import { clientSessionId } from '../logout/session-id.ts';
import type { SessionRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import type { AuthorizationRequest } from './authorization-request.ts';
import { sendAuthorizationResponse } from './authorization-response.ts';
import type { Login } from './next-step.ts';

/**
 * Ends a successful authorization: stores a new grant with its code (hashed; single-use, short
 * lived, bound to client, redirect URI, PKCE challenge, nonce, scopes, claims request and
 * auth_time) and sends the code to the client with `state` and `iss`.
 *
 * `session` is the browser's session the user signed in with (or just started). A client with a
 * `backchannel_logout_uri` is recorded as signed in through it, and its grant remembers the `sid`
 * it is told in ID tokens: when the session ends, the client gets a logout token. Other clients
 * cost nothing more here.
 */
export async function issueCode(
  context: Pick<ServerContext, 'store' | 'issuer' | 'lifetimes' | 'backchannelLogout'>,
  request: AuthorizationRequest,
  login: Login,
  now: number,
  session: SessionRecord | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  const code = randomValue();
  const codeExpiresAt = now + context.lifetimes.code;
  const clientId = request.client.clientId;
  let sid: string | null = null;
  if (
    context.backchannelLogout &&
    request.client.backchannelLogoutUri !== null &&
    session !== null &&
    session.userId === login.userId
  ) {
    sid = clientSessionId(session.idHash, clientId);
    await context.store.insertSessionClient({
      sessionIdHash: session.idHash,
      clientId,
      userId: login.userId,
      sid,
      createdAt: now,
      expiresAt: session.expiresAt,
    });
  }
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
    sid,
    codeExpiresAt,
    codeConsumedAt: null,
    revokedAt: null,
    createdAt: now,
    // Long enough for the first access token: redeeming the code then writes nothing else.
    expiresAt: codeExpiresAt + context.lifetimes.accessToken,
  });
  return sendAuthorizationResponse(context.issuer, request.target, { code }, headers);
}

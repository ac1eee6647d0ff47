import { invalidGrant, invalidRequest, OAuthError } from '../errors.ts';
import type { ClientRecord, DevicePollOutcome, GrantRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { buildTokenResponse, type TokenResponseContext } from '../tokens/token-response.ts';
import { issueFirstRefreshToken, wantsRefreshToken } from './first-refresh-token.ts';
import type { GrantResult } from './grant-result.ts';

/** The grant type of the device authorization grant (RFC 8628 §3.4). */
export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

type Context = TokenResponseContext;

/** The answers to a poll that are not tokens (RFC 8628 §3.5): each an OAuth error the device acts on. */
const NOT_YET: Record<Exclude<DevicePollOutcome, 'approved' | 'spent'>, string> = {
  authorization_pending: 'the user has not yet approved or denied this device on the verification page',
  slow_down: 'polling too fast: wait the interval, now 5 seconds longer, between requests',
  access_denied: 'the user denied this device',
  expired_token: 'the device code has expired: start again with a new device authorization request',
};

/**
 * The device code grant (RFC 8628 §3.4, §3.5): a device polls with its device code until the user
 * approves it. The store answers each poll in one transaction (`store/device-poll.ts`): pending,
 * `slow_down` (the interval grows by 5 s), denied, expired, or approved, which spends the code, so
 * exactly one poll gets tokens. Those come from a new grant of the user who approved, as an
 * authorization code's would: revocable on the account page and by the console, refreshable, and
 * bound to the poll's DPoP key when it sent a proof.
 */
export async function deviceCodeGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
  dpopJkt: string | null,
): Promise<GrantResult> {
  if (!client.grantTypes.includes(DEVICE_CODE)) {
    throw new OAuthError(
      'unauthorized_client',
      `client ${client.clientId} may not use the device code grant`,
    );
  }
  if (!params.device_code) throw invalidRequest('the device_code parameter is required');
  const poll = await context.store.pollDeviceAuthorization(sha256(params.device_code), client.clientId, now);
  if (poll === null) throw invalidGrant('the device code is unknown, or was issued to another client');
  const { outcome, authorization } = poll;
  if (outcome === 'spent') throw invalidGrant('the device code was already used');
  if (outcome !== 'approved') throw new OAuthError(outcome, NOT_YET[outcome]);

  const userId = authorization.userId!;
  const user = await context.store.findUserById(userId);
  if (user === null || user.disabledAt !== null)
    throw invalidGrant('the account that approved this device is gone');
  // The grant is born spent: it has no code to redeem (a hash of nothing anyone holds), only tokens.
  const grant: GrantRecord = {
    id: randomValue(16),
    clientId: client.clientId,
    userId,
    scopes: authorization.scopes,
    authTime: authorization.authTime!,
    amr: authorization.amr,
    nonce: null,
    // No claims request (OpenID Connect Core §5.5) comes with a device authorization.
    claims: null,
    // Not tied to the browser session that approved it: signing out on the phone does not sign
    // the TV out (no back-channel logout for it), as the device never shared that session.
    sid: null,
    redirectUri: '',
    codeHash: sha256(randomValue()),
    codeChallenge: null,
    resources: authorization.resources,
    dpopJkt: null,
    codeExpiresAt: now,
    codeConsumedAt: now,
    revokedAt: null,
    createdAt: now,
    expiresAt: now + context.lifetimes.accessToken,
  };
  await context.store.insertGrant(grant);
  const refreshToken = wantsRefreshToken(client, grant.scopes)
    ? await issueFirstRefreshToken(context, client, grant, dpopJkt, now)
    : undefined;
  const response = await buildTokenResponse(context, {
    grant,
    client,
    scopes: grant.scopes,
    resource: params.resource,
    refreshToken,
    nonce: null,
    dpopJkt,
    now,
  });
  return { response, userId };
}

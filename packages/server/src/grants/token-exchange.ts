import { splitSpaceDelimited } from '@codegrant/protocol';
import type { JWTPayload } from 'jose';
import type { ServerContext } from '../context.ts';
import { invalidGrant, invalidRequest, OAuthError } from '../errors.ts';
import { accessTokenTarget, grantResources } from '../resources/resource-indicators.ts';
import type { ClientRecord } from '../store/store.ts';
import { issueAccessToken } from '../tokens/access-token.ts';
import { AccessTokenError, verifyAccessTokenAndGrant } from '../tokens/verify-access-token.ts';
import type { GrantResult } from './grant-result.ts';

/** The grant type of token exchange (RFC 8693 §2.1). */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The only token type taken and issued: our access tokens (RFC 8693 §3). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A token exchange as the policy sees it: who asks, for whom, for what. */
export interface TokenExchangeRequest {
  /** The client asking: the actor, unless an `actor_token` names another. */
  client: ClientRecord;
  /** The claims of the `subject_token` (verified): `sub`, `client_id`, `scope`, `aud`, `act`… */
  subject: JWTPayload;
  /** The claims of the `actor_token`, when one was sent (verified). */
  actor: JWTPayload | null;
  /** The audience the new token would have. */
  audience: string | string[];
  /** The scopes the new token would carry. */
  scopes: string[];
}

/** Token exchange options: the policy that decides each exchange. */
export interface TokenExchangeOptions {
  /**
   * Decides whether `request` may be granted; `false` refuses it (`invalid_grant`). Without it,
   * every client registered for the grant may exchange any valid subject token it holds, within
   * that token's scopes, for any configured resource.
   */
  policy?: (request: TokenExchangeRequest) => boolean | Promise<boolean>;
}

type Context = Pick<
  ServerContext,
  | 'store'
  | 'issuer'
  | 'accessTokenAudience'
  | 'resources'
  | 'defaultResource'
  | 'lifetimes'
  | 'keys'
  | 'scopes'
  | 'now'
>;

/**
 * Token exchange for delegation (RFC 8693): an agent or API (a confidential client registered for
 * the grant) turns an access token it was given (`subject_token`) into one for another resource,
 * acting for the same user. The new token keeps the subject (its `sub` as is: a pairwise value
 * stays the one of the client the user authorized), `auth_time` and grant (revoking the
 * user's grant revokes it too), narrows the scopes to a subset, names the actor in `act` (nested
 * when the subject token was itself delegated, §4.1), and is bound to the caller's DPoP key if it
 * sent a proof. A subject token bound to a DPoP key is exchanged only with a proof by that key.
 * Then the {@link TokenExchangeOptions.policy} decides.
 */
export async function tokenExchangeGrant(
  context: Context,
  client: ClientRecord,
  params: Record<string, string>,
  now: number,
  dpopJkt: string | null,
  options: TokenExchangeOptions,
): Promise<GrantResult> {
  if (client.tokenEndpointAuthMethod === 'none' || !client.grantTypes.includes(TOKEN_EXCHANGE)) {
    throw new OAuthError(
      'unauthorized_client',
      `client ${client.clientId} may not exchange tokens (a confidential client registered for ${TOKEN_EXCHANGE} may)`,
    );
  }
  if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  const { claims: subject, grant } = await ourAccessToken(
    context,
    params.subject_token,
    params.subject_token_type,
    'subject',
  );
  const actor =
    params.actor_token === undefined
      ? null
      : (await ourAccessToken(context, params.actor_token, params.actor_token_type, 'actor')).claims;
  const bound = (subject.cnf as { jkt?: string } | undefined)?.jkt;
  if (bound !== undefined && bound !== dpopJkt) {
    throw invalidGrant('the subject_token is bound to a DPoP key: send a proof signed by that key');
  }

  const held = splitSpaceDelimited(typeof subject.scope === 'string' ? subject.scope : undefined);
  const requested = params.scope === undefined ? held : splitSpaceDelimited(params.scope);
  const beyond = requested.filter((scope) => !held.includes(scope) || !context.scopes.includes(scope));
  if (beyond.length > 0) {
    throw new OAuthError('invalid_scope', `scope ${beyond.join(' ')} is not in the subject_token`);
  }
  // `audience` names a resource as `resource` does (RFC 8693 §2.1): both must be configured.
  const named = [params.resource, params.audience].filter((value) => value !== undefined).join(' ');
  const resources = grantResources(context, named || undefined);
  const target = accessTokenTarget(context, resources, named || undefined, requested);

  const request: TokenExchangeRequest = {
    client,
    subject,
    actor,
    audience: target.audience,
    scopes: target.scopes,
  };
  if (options.policy && !(await options.policy(request))) {
    throw invalidGrant('the token exchange policy refused this exchange');
  }
  const act: Record<string, unknown> = actor
    ? { sub: actor.sub, client_id: actor.client_id }
    : { sub: client.clientId, client_id: client.clientId };
  if (subject.act !== undefined) act.act = subject.act;
  const accessToken = await issueAccessToken(
    context,
    {
      clientId: client.clientId,
      subject: String(subject.sub),
      scopes: target.scopes,
      audience: target.audience,
      dpopJkt,
      act,
      ...(subject.gid !== undefined ? { grantId: String(subject.gid) } : {}),
      ...(typeof subject.auth_time === 'number' ? { authTime: subject.auth_time } : {}),
    },
    now,
  );
  return {
    response: {
      access_token: accessToken.token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: dpopJkt ? 'DPoP' : 'Bearer',
      expires_in: accessToken.expiresIn,
      scope: target.scopes.join(' '),
    },
    // A user's token (it has a grant) is about that user; a client's own token about no user.
    userId: grant?.userId ?? null,
  };
}

/**
 * The claims of one of our access tokens, whatever resource it was for, still usable (grant not
 * revoked), and its grant (`null` for a client's own token).
 *
 * @throws {OAuthError} `invalid_request` for a missing token or another type, `invalid_grant` for an invalid one
 */
async function ourAccessToken(
  context: Context,
  token: string | undefined,
  type: string | undefined,
  role: 'subject' | 'actor',
): Promise<Awaited<ReturnType<typeof verifyAccessTokenAndGrant>>> {
  if (!token) throw invalidRequest(`the ${role}_token parameter is required`);
  if (type !== ACCESS_TOKEN_TYPE) throw invalidRequest(`${role}_token_type must be ${ACCESS_TOKEN_TYPE}`);
  const audiences = [context.accessTokenAudience, ...context.resources.keys()];
  try {
    return await verifyAccessTokenAndGrant(context, token, audiences);
  } catch (error) {
    if (error instanceof AccessTokenError)
      throw invalidGrant(`the ${role}_token is invalid: ${error.message}`);
    throw error;
  }
}

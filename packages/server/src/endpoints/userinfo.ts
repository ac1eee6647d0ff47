import { CLAIMS_BY_SCOPE } from '@codegrant/protocol';
import { accountClaimsSource, pickClaims } from '../claims/account-claims.ts';
import { parseClaimsParameter, requestedUserClaims } from '../claims/claims-request.ts';
import type { ServerContext } from '../context.ts';
import { checkDpopProof, DPOP_CHALLENGE } from '../dpop/check-proof.ts';
import { OAuthError } from '../errors.ts';
import { readFormParameters } from '../http/body.ts';
import { CORS_HEADERS } from '../http/cors.ts';
import { jsonNoStore, oauthErrorResponse } from '../http/responses.ts';
import { AccessTokenError, verifyAccessTokenAndGrant } from '../tokens/verify-access-token.ts';

type Context = Pick<
  ServerContext,
  'dpopNonces' | 'store' | 'issuer' | 'accessTokenAudience' | 'keys' | 'findAccountClaims' | 'now'
>;

/**
 * The UserInfo endpoint (OpenID Connect Core §5.3), GET or POST with a Bearer access token
 * (RFC 6750 §2.1 header, or §2.2 form body). The token is verified with `jose` (signature, `typ`
 * `at+jwt`, `iss`, `aud`, `exp`) and refused when its grant was revoked. Claims are released by
 * scope (`profile`, `email`), and those the grant's claims request asked in `userinfo` (OpenID
 * Connect Core §5.5; unavailable ones are left out). `sub` is the ID token's: the access token's,
 * which is the client's pairwise value for a pairwise client; the account is the grant's user.
 */
export function userinfoEndpoint(context: Context): (request: Request) => Promise<Response> {
  const findClaims = accountClaimsSource(context);
  return async (request) => {
    try {
      const { scheme, token } = await presentedToken(request);
      const { claims, grant } = await verifyAccessTokenAndGrant(context, token).catch((error: unknown) => {
        throw error instanceof AccessTokenError ? invalidToken(error.message, scheme) : error;
      });
      await checkSenderConstraint(context, request, scheme, token, claims);
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (!scopes.includes('openid')) {
        throw new OAuthError('insufficient_scope', 'the access token was not granted the openid scope', {
          status: 403,
          wwwAuthenticate: 'Bearer error="insufficient_scope", scope="openid"',
        });
      }
      const account = await findClaims(grant?.userId ?? String(claims.sub));
      if (!account) throw invalidToken('the account of this access token no longer exists');
      const names = scopes.flatMap((scope) => CLAIMS_BY_SCOPE[scope] ?? []);
      if (grant?.claims != null) {
        names.push(...requestedUserClaims(parseClaimsParameter(grant.claims), 'userinfo'));
      }
      return jsonNoStore({ sub: claims.sub, ...pickClaims(account, names) }, 200, CORS_HEADERS);
    } catch (error) {
      if (error instanceof OAuthError) return oauthErrorResponse(error, CORS_HEADERS);
      throw error;
    }
  };
}

function invalidToken(description: string, scheme: 'Bearer' | 'DPoP' = 'Bearer'): OAuthError {
  const challenge = scheme === 'DPoP' ? `${DPOP_CHALLENGE},` : 'Bearer';
  return new OAuthError('invalid_token', description, {
    status: 401,
    wwwAuthenticate: `${challenge} error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
  });
}

/**
 * A DPoP-bound token (`cnf.jkt`, RFC 9449 §6) counts only under the `DPoP` scheme with a proof by
 * the bound key over this request and this token (`ath`); a `DPoP` scheme needs a bound token.
 */
async function checkSenderConstraint(
  context: Context,
  request: Request,
  scheme: 'Bearer' | 'DPoP',
  token: string,
  claims: Record<string, unknown>,
): Promise<void> {
  const bound = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (bound === undefined) {
    if (scheme === 'DPoP')
      throw invalidToken('the access token is not DPoP-bound: send it as a Bearer token', 'DPoP');
    return;
  }
  if (scheme !== 'DPoP')
    throw invalidToken('the access token is DPoP-bound: send it with the DPoP scheme and a proof', 'DPoP');
  const jkt = await checkDpopProof(context, request, `${context.issuer}/userinfo`, {
    accessToken: token,
    errorCode: 'invalid_token',
  }).catch((error: unknown) => {
    throw error instanceof OAuthError && error.error === 'invalid_token'
      ? invalidToken(error.message, 'DPoP')
      : error;
  });
  if (jkt === null) throw invalidToken('a DPoP proof is required with a DPoP-bound access token', 'DPoP');
  if (jkt !== bound)
    throw invalidToken('the DPoP proof was signed by another key than the token is bound to', 'DPoP');
}

/**
 * The access token of the request: exactly one of the `Authorization` header (`Bearer` or `DPoP`
 * scheme) and the form body (RFC 6750 §2, RFC 9449 §7.1).
 */
async function presentedToken(request: Request): Promise<{ scheme: 'Bearer' | 'DPoP'; token: string }> {
  const header = request.headers.get('authorization');
  let fromBody: string | undefined;
  if (
    request.method === 'POST' &&
    request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')
  ) {
    fromBody = (await readFormParameters(request)).access_token;
  }
  if (header && fromBody) {
    throw new OAuthError('invalid_request', 'the access token was sent in more than one way', {
      wwwAuthenticate: 'Bearer error="invalid_request"',
    });
  }
  if (fromBody) return { scheme: 'Bearer', token: fromBody };
  const match = header ? /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header) : null;
  if (!match?.[2]) {
    // No credentials at all: a bare challenge, without an error code (RFC 6750 §3.1).
    throw new OAuthError('invalid_token', 'a Bearer access token is required', {
      status: 401,
      wwwAuthenticate: `Bearer realm="userinfo", ${DPOP_CHALLENGE}`,
    });
  }
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

import {
  type LogoutTokenChecks,
  type LogoutTokenClaims,
  logoutTokenOf,
  validateLogoutToken,
} from '../logout-token.ts';
import { type Configuration, httpOf, stateOf } from './configuration.ts';

/**
 * The receiving end of OpenID Connect Back-Channel Logout 1.0 for your `backchannel_logout_uri`
 * route: reads the `logout_token` of the server's `POST` (a form body) and validates it with
 * {@link validateLogoutToken} against the configuration's server and client (the signature by
 * the issuer's JWKS, `typ`, `iss`, `aud`, `iat`/`exp`, `jti`, `sub`/`sid`, `events`, no `nonce`,
 * and the `jti` replay hook when given). openid-client has no counterpart.
 *
 * Then end your sessions that the claims name — those whose ID token had this `iss` and `sid`
 * (or, without `sid`, this `sub`) — and answer `200` with `Cache-Control: no-store`; when this
 * throws, answer `400` with `{"error": "invalid_request"}` (§2.8).
 *
 * @example
 * ```ts
 * app.post('/backchannel-logout', async (c) => {
 *   try {
 *     const { sid, sub } = await client.processBackchannelLogoutRequest(config, c.req.raw);
 *     await sessions.endWhere({ sid, sub });
 *     return c.body(null, 200, { 'cache-control': 'no-store' });
 *   } catch {
 *     return c.json({ error: 'invalid_request' }, 400, { 'cache-control': 'no-store' });
 *   }
 * });
 * ```
 * @throws {ClientError} `ERR_TOKEN_MISSING` (not a `POST` form with one `logout_token`), and the
 *   codes of {@link validateLogoutToken}
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
export async function processBackchannelLogoutRequest(
  config: Configuration,
  request: Request,
  checks?: LogoutTokenChecks,
): Promise<LogoutTokenClaims> {
  const state = stateOf(config);
  return validateLogoutToken(state.as, state.client, await logoutTokenOf(request), checks, httpOf(state));
}

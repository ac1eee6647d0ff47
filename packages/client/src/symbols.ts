/**
 * Options that are not protocol metadata are `unique symbol` keys, so they never collide with a
 * field a specification adds later (the convention of oauth4webapi and openid-client).
 */

/**
 * Option key: a `fetch` replacement for every request of this library (custom CA, proxy, tests).
 * Same contract as openid-client's `customFetch`: called with the URL string and an init object
 * whose `redirect` is always `'manual'`.
 *
 * @see https://fetch.spec.whatwg.org/#fetch-method
 */
export const customFetch: unique symbol = Symbol();

/**
 * Low-level option key: allow `http:` URLs (development only). The high-level equivalent is the
 * {@link allowInsecureRequests} function.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
 */
export const allowHttp: unique symbol = Symbol();

/**
 * Client metadata key: seconds to add to the local clock (when it is known to be off).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
 */
export const clockSkew: unique symbol = Symbol();

/**
 * Client metadata key: seconds of tolerance on JWT time claims (`exp`, `nbf`, `iat`, `auth_time`); default 30.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
 */
export const clockTolerance: unique symbol = Symbol();

/**
 * `expectedState` value: the authorization request carried no `state`, so the response must not either.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export const expectNoState: unique symbol = Symbol();

/**
 * `expectedState` value: do not check `state` (the caller checked it already).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export const skipStateCheck: unique symbol = Symbol();

/**
 * `expectedSubject` value of UserInfo: do not compare `sub`.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export const skipSubjectCheck: unique symbol = Symbol();

/**
 * `codeVerifier` value: the authorization request used no PKCE (only where a server allows it).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export const nopkce: unique symbol = Symbol();

/** @internal A DPoP handle's proof factory: `(method, url, accessToken?) → Promise<proof JWT>`. */
export const dpopProof: unique symbol = Symbol();

/** @internal A DPoP handle's nonce sink: `(url, response) → void`. */
export const dpopNonce: unique symbol = Symbol();

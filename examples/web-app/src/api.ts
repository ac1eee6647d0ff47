import { allowHttp, ClientError, validateJwtAccessToken } from '@codegrant/client';
import { Hono } from 'hono';
import type { Provider } from './discovery.ts';

/**
 * "Your API", the resource server of the flow: `GET /me` answers whom the request's access token
 * is about and what it allows, once `validateJwtAccessToken` of `@codegrant/client` has checked it
 * (RFC 9068: `typ` `at+jwt`, the signature against the identity provider's JWKS, `iss`, `aud`,
 * `exp`, `nbf`, `iat`); a refused token gets the `WWW-Authenticate` challenge of RFC 6750 §3. Any
 * client may call it, not only this app: `curl -H "authorization: Bearer $TOKEN" …/api/me`.
 *
 * The identity provider issues its access tokens for itself (`aud` = its issuer identifier) when
 * the client asks for no `resource` (RFC 8707), as this demo does: that is the audience accepted.
 */
export function createApi(getProvider: () => Promise<Provider>): Hono {
  const api = new Hono();
  api.get('/me', async (c) => {
    let provider: Provider;
    try {
      provider = await getProvider();
    } catch (error) {
      return c.json({ error: 'temporarily_unavailable', error_description: (error as Error).message }, 503);
    }
    try {
      const claims = await validateJwtAccessToken(provider.metadata, c.req.raw, provider.issuer, {
        // The dev setup's identity provider is http://localhost.
        [allowHttp]: new URL(provider.issuer).protocol === 'http:',
      });
      return c.json({ sub: claims.sub, client_id: claims.client_id, scopes: claims.scope?.split(' ') ?? [] });
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (!error.wwwAuthenticate) {
        // Not the token's fault (the JWKS could not be fetched…): no verdict on it now.
        return c.json({ error: 'temporarily_unavailable', error_description: error.message }, 503);
      }
      c.header('www-authenticate', error.wwwAuthenticate);
      // Without any token, RFC 6750 §3.1 wants no error code: only the description is said.
      return c.json({ error: error.error, error_description: error.message }, error.status as 400 | 401);
    }
  });
  return api;
}

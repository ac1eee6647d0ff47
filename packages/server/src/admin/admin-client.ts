import { allowInsecureRequests, Configuration, type CustomFetch, customFetch, None } from '@codegrant/client';
import type { ServerContext } from '../context.ts';
import { buildMetadata, type MetadataContext } from '../endpoints/discovery.ts';
import { ensureBuiltInClient } from '../registration/built-in-client.ts';
import { newClientRecord } from '../registration/new-client.ts';
import type { Store } from '../store/store.ts';

/**
 * The admin console's own client. The console signs administrators in the way any app would,
 * through `@codegrant/client` against our authorization and token endpoints (PKCE, state, nonce,
 * `iss`, the ID token verified): the console is our first relying party, and it gets the login
 * page, second factors, throttling and single sign-on without a second way in. Public (PKCE; its
 * requests never leave the process) and first-party; created when the console is first opened.
 */
export const ADMIN_CLIENT_ID = 'codegrant-admin';

/** Creates (or repairs) the console's client: its redirect URI follows the issuer. */
export function ensureAdminClient(store: Store, issuer: string): Promise<void> {
  return ensureBuiltInClient(
    store,
    newClientRecord({
      clientId: ADMIN_CLIENT_ID,
      name: 'Admin console',
      redirectUris: [`${issuer}/admin/callback`],
      // A refresh token is the console's session handle (see `console-session.ts`); it is never refreshed.
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: true,
    }),
  );
}

/**
 * The console's relying-party configuration. Its requests to our token and revocation endpoints
 * go straight into our own `fetch` handler (`selfFetch`): the same code path as any client, with
 * no network hop and no dependency on how the issuer's host name resolves from inside.
 */
export function adminRelyingParty(
  context: MetadataContext & Pick<ServerContext, 'issuerUrl'>,
  selfFetch: (request: Request) => Promise<Response>,
): Configuration {
  const configuration = new Configuration(
    buildMetadata(context),
    ADMIN_CLIENT_ID,
    { redirect_uris: [`${context.issuer}/admin/callback`] },
    None(),
  );
  const fetchSelf: CustomFetch = (url, init) => selfFetch(new Request(url, init as RequestInit));
  configuration[customFetch] = fetchSelf;
  // An http issuer is allowed on loopback only (options.ts), for development.
  if (context.issuerUrl.protocol === 'http:') allowInsecureRequests(configuration);
  return configuration;
}

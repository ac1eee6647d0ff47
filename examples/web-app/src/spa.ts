import type { Server } from 'node:http';
import { buildSpa, serveSpa } from '@codegrant/example-spa';
import type { ClientRecord, Store } from '@codegrant/server';

/** The client id of the example single-page app. */
export const DEMO_SPA_CLIENT_ID = 'demo-spa';

/**
 * Registers the example SPA as a public, first-party client of `origin` (updating the registration
 * when the port changed), then bundles it and serves it on `port`.
 *
 * @returns the server, to close
 */
export async function startDemoSpa(
  store: Store,
  options: { issuer: string; origin: string; port: number; hostname: string },
): Promise<Server> {
  const existing = await store.findClient(DEMO_SPA_CLIENT_ID);
  const client: ClientRecord = {
    clientId: DEMO_SPA_CLIENT_ID,
    clientSecretHash: null,
    name: 'codegrant demo single-page app',
    redirectUris: [`${options.origin}/callback`],
    postLogoutRedirectUris: [`${options.origin}/signed-out`],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: 'none',
    firstParty: true,
    idTokenSignedResponseAlg: 'ES256',
    alwaysIssueRefreshToken: false,
    allowMissingPkce: false,
    jwks: null,
    jwksUri: null,
    dpopBoundAccessTokens: false,
    registrationAccessTokenHash: null,
    metadata: {},
    createdAt: existing?.createdAt ?? Math.floor(Date.now() / 1000),
  };
  if (existing) await store.updateClient(client);
  else await store.insertClient(client);
  const files = await buildSpa({ authority: options.issuer, client_id: DEMO_SPA_CLIENT_ID });
  return serveSpa(files, { port: options.port, hostname: options.hostname, connectTo: [options.issuer] });
}

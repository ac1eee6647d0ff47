import type { Server } from 'node:http';
import { buildSpa, serveSpa } from '@codegrant/example-spa';
import { newClientRecord, type Store } from '@codegrant/server';

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
  const client = newClientRecord({
    clientId: DEMO_SPA_CLIENT_ID,
    name: 'codegrant demo single-page app',
    redirectUris: [`${options.origin}/callback`],
    postLogoutRedirectUris: [`${options.origin}/signed-out`],
    firstParty: true,
    ...(existing ? { createdAt: existing.createdAt } : {}),
  });
  if (existing) await store.updateClient(client);
  else await store.insertClient(client);
  const files = await buildSpa({ authority: options.issuer, client_id: DEMO_SPA_CLIENT_ID });
  return serveSpa(files, { port: options.port, hostname: options.hostname, connectTo: [options.issuer] });
}

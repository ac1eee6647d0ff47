import type { Server } from 'node:http';
import { createAuthorizationServer, createJsonLineLogger } from '@codegrant/server';
import { serve } from '@codegrant/server/node';
import { openSqliteStore } from '@codegrant/server/sqlite';
import { createAdaptorServer } from '@hono/node-server';
import { createDemoApp } from './app.ts';
import {
  type ClientRegistration,
  DEMO_ACCOUNT,
  DEMO_CLIENT_ID,
  demoClientFile,
  ensureDemoClient,
  ensureDemoUser,
} from './seed.ts';
import { startDemoSpa } from './spa.ts';

/** Options of {@link startDevSetup}. */
export interface DevSetupOptions {
  /** The SQLite database file, created and migrated on first run. */
  dbPath: string;
  /** The identity provider's port. */
  idpPort: number;
  /** The demo app's port; its redirect URI is `http://localhost:<appPort>/callback`. */
  appPort: number;
  /** The issuer identifier (default `http://localhost:<idpPort>`). */
  issuer?: string;
  /** Also serve the example single-page app on this port (`npm start` does, on 3001). */
  spaPort?: number;
  /** Where the identity provider's JSON-lines request log goes (default: stdout). */
  writeLog?: (line: string) => void;
}

/** A running dev setup. */
export interface DevSetup {
  /** The identity provider's issuer identifier. */
  issuer: string;
  /** The demo app's URL: open it in a browser. */
  appUrl: string;
  /** The example SPA's URL, when it was asked for. */
  spaUrl: string | undefined;
  clientId: string;
  clientSecret: string;
  /** The file holding the demo client's secret. */
  clientFile: string;
  demoAccount: { username: string; password: string };
  /** What the start found or created in the database. */
  seeding: { userCreated: boolean; demoPasswordWorks: boolean; client: ClientRegistration };
  /** Stops both servers and closes the database. */
  close(): Promise<void>;
}

/**
 * Development only: both servers listen on localhost, because the demo account's password is
 * public.
 */
const HOSTNAME = 'localhost';

/**
 * Starts the dev setup: opens (and migrates) the SQLite store, seeds the demo user and client,
 * and serves the identity provider and the demo web app. What `npm start` runs; tests run it with
 * a temporary database and free ports.
 */
export async function startDevSetup(options: DevSetupOptions): Promise<DevSetup> {
  const closers: (() => Promise<void>)[] = [];
  // In reverse order of opening: the app, then the identity provider, then the store they use.
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const store = await openSqliteStore(options.dbPath);
    closers.push(() => store.close());

    const appUrl = `http://${HOSTNAME}:${options.appPort}`;
    const redirectUri = `${appUrl}/callback`;
    const clientFile = demoClientFile(options.dbPath);
    const user = await ensureDemoUser(store);
    const client = await ensureDemoClient(store, { redirectUri, file: clientFile });

    const idp = await createAuthorizationServer({
      issuer: options.issuer ?? `http://${HOSTNAME}:${options.idpPort}`,
      store,
      logger: createJsonLineLogger(options.writeLog),
      // Every account flow, to try: mail is printed on the terminal (marked NOT SENT), with its link.
      accounts: { signUp: true, passwordReset: true, totp: true, passkeys: true },
    });
    const idpServer = await serve(idp, { port: options.idpPort, hostname: HOSTNAME });
    closers.push(() => closeServer(idpServer));

    const app = createDemoApp({
      issuer: idp.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: client.clientSecret,
      redirectUri,
      demoAccount: DEMO_ACCOUNT,
    });
    const appServer = createAdaptorServer({ fetch: app.fetch }) as Server;
    await listen(appServer, options.appPort);
    closers.push(() => closeServer(appServer));

    let spaUrl: string | undefined;
    if (options.spaPort !== undefined) {
      spaUrl = `http://${HOSTNAME}:${options.spaPort}`;
      const spaServer = await startDemoSpa(store, {
        issuer: idp.issuer,
        origin: spaUrl,
        port: options.spaPort,
        hostname: HOSTNAME,
      });
      closers.push(() => closeServer(spaServer));
    }

    return {
      issuer: idp.issuer,
      appUrl,
      spaUrl,
      clientId: DEMO_CLIENT_ID,
      clientSecret: client.clientSecret,
      clientFile,
      demoAccount: DEMO_ACCOUNT,
      seeding: {
        userCreated: user.created,
        demoPasswordWorks: user.passwordWorks,
        client: client.registration,
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOSTNAME, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // close() waits for open connections: end the idle keep-alive ones a browser holds now.
    server.closeIdleConnections();
  });
}

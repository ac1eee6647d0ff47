/**
 * The end-to-end harness: the identity provider (`@codegrant/server` on a real port and SQLite file,
 * started by its own test helper), the example SPA built by esbuild and served by node:http on
 * another port, and a headless Chromium (Debian's, driven by playwright-core).
 */

import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildSpa, type SpaConfig, type StaticFile, serveSpa } from '../../../../examples/spa/src/index.ts';
import type { AuthorizationServerOptions } from '../../../server/src/index.ts';
import { launchChromium } from '../../../server/test/helpers/chromium.ts';
import {
  addClient,
  addUser,
  freePort,
  startTestServer,
  type TestServer,
} from '../../../server/test/helpers/test-server.ts';

/** Test and hook options of the browser tests: a hang fails in 30 s instead of stalling the run. */
export const E2E = { timeout: 30_000 };

export const USER = { username: 'alice', password: 'correct horse battery staple' };

export interface Harness {
  idp: TestServer;
  /** The SPA's origin, `http://localhost:<port>`. */
  origin: string;
  clientId: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts everything. The SPA is a public, first-party client (no consent page) registered with
 * `<origin>/callback` and `<origin>/signed-out`; `extraFiles` are served beside the SPA's.
 */
export async function startHarness(
  options: {
    server?: Partial<Omit<AuthorizationServerOptions, 'issuer' | 'store'>>;
    spa?: Partial<SpaConfig>;
    extraFiles?: (config: {
      issuer: string;
      clientId: string;
      origin: string;
    }) => Promise<Map<string, StaticFile>>;
  } = {},
): Promise<Harness> {
  // The browser first: when it cannot start, nothing else is left running to keep the test alive.
  const browser = await launchChromium();
  const idp = await startTestServer(options.server);
  await addUser(idp.store, USER.username, USER.password, { email: 'alice@example.com', name: 'Alice' });
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const { clientId } = await addClient(idp.store, {
    public: true,
    firstParty: true,
    redirectUris: [`${origin}/callback`, `${origin}/oidc-client-ts/callback`],
    postLogoutRedirectUris: [`${origin}/signed-out`],
  });
  const files = await buildSpa({ authority: idp.issuer, client_id: clientId, ...options.spa });
  for (const [path, file] of (await options.extraFiles?.({ issuer: idp.issuer, clientId, origin })) ?? []) {
    files.set(path, file);
  }
  const spa: Server = await serveSpa(files, { port, connectTo: [idp.issuer] });
  return {
    idp,
    origin,
    clientId,
    browser,
    async close() {
      await browser.close();
      spa.closeAllConnections();
      await new Promise((resolve) => spa.close(resolve));
      await idp.close();
    },
  };
}

/** Fills the identity provider's login form (the page must be showing it). */
export async function logIn(page: Page): Promise<void> {
  await page.locator('input[name=username]').fill(USER.username);
  await page.locator('input[type=password]').fill(USER.password);
  await page.locator('button[type=submit]').click();
}

/** Opens the SPA at `path` and waits until it has started. */
export async function openSpa(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.body?.dataset.ready === 'true');
}

/** A fresh browser profile (cookies, storage) with one page. */
export async function freshPage(h: Harness): Promise<{ context: BrowserContext; page: Page }> {
  const context = await h.browser.newContext();
  return { context, page: await context.newPage() };
}

/** Signs in with a redirect from the SPA's home page; resolves on the signed-in page. */
export async function signInWithRedirect(h: Harness, page: Page): Promise<void> {
  await openSpa(page, `${h.origin}/`);
  await page.click('#signin-redirect');
  await page.waitForURL(`${h.idp.issuer}/interaction/**`);
  await logIn(page);
  await page.waitForFunction(() => document.body?.dataset.signedIn === 'true');
}

/** The page's current user (`getUser()`), with its getters as plain values. */
export const currentUser = (page: Page) =>
  page.evaluate(async () => {
    const user = await spa.userManager.getUser();
    return user && { ...user, expired: user.expired, expires_in: user.expires_in };
  });

/** What the example SPA exposes to the tests (`globalThis.spa`, see examples/spa/src/app.ts). */
export interface SpaHandle {
  userManager: import('../../src/index.ts').UserManager;
  log: string[];
  ready: boolean;
}

declare global {
  // The page's `spa`, for the functions the tests run in it with `page.evaluate`.
  var spa: SpaHandle;
}

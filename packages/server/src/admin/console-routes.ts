import type { Hono } from 'hono';
import { respondToAccountError } from '../accounts/account-error.ts';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { notFound } from '../http/responses.ts';
import type { ConnectionInfo } from '../router.ts';
import { adminRelyingParty, ensureAdminClient } from './admin-client.ts';
import { clientsConsole } from './clients-console.ts';
import { consolePages } from './console-pages.ts';
import { consoleCallbackEndpoint, consoleSignOutEndpoint } from './console-sign-in.ts';
import { usersConsole } from './users-console.ts';

/** How long "is there an administrator?" is remembered: the first one appears within this long. */
const ADMIN_EXISTS_TTL_MS = 5000;

/** What the console's routes need from the router. */
export interface ConsoleRouting {
  /** The router's own handler: the console's client sends its token requests there. */
  selfFetch: (request: Request) => Promise<Response>;
  /** Reloads this process's signing keys after a rotation. */
  reloadKeys: () => Promise<void>;
  /** The client address of a request, as the router sees it. */
  clientAddress: (request: Request, info: ConnectionInfo | undefined) => string | undefined;
}

/**
 * Mounts the admin console under `/admin`: server-rendered HTML forms, no script (CSP allows none),
 * each page one round trip. It answers 404 until an administrator exists, so a fresh install shows
 * no console to probe; `codegrant users add NAME --admin` turns it on.
 */
export function mountAdminConsole(
  app: Hono<{ Bindings: ConnectionInfo; Variables: { requestId: string } }>,
  context: ServerContext,
  routing: ConsoleRouting,
): void {
  const relyingParty = adminRelyingParty(context, routing.selfFetch);
  const ip = (request: Request, info: ConnectionInfo | undefined) => routing.clientAddress(request, info);
  const pages = consolePages(context, relyingParty, routing.reloadKeys);
  const clients = clientsConsole(context, relyingParty);
  const users = usersConsole(context, relyingParty);
  const callback = consoleCallbackEndpoint(context, relyingParty);
  const signOut = consoleSignOutEndpoint(context, relyingParty);

  let adminExists: { value: boolean; until: number } | undefined;
  let clientEnsured: Promise<void> | undefined;
  const hasAdmin = async () => {
    if (!adminExists || adminExists.until <= Date.now()) {
      adminExists = { value: await context.store.hasAdmin(), until: Date.now() + ADMIN_EXISTS_TTL_MS };
    }
    if (adminExists.value) {
      // On first use, not at start: a server whose console nobody opens pays nothing for it.
      clientEnsured ??= ensureAdminClient(context.store, context.issuer).catch((error: unknown) => {
        clientEnsured = undefined;
        throw error;
      });
      await clientEnsured;
    }
    return adminExists.value;
  };
  for (const path of ['/admin', '/admin/*']) {
    app.use(path, async (c, next) => {
      if (await hasAdmin()) {
        await next();
        // A person reads the console: a refusal (CSRF, bad input) gets a page, not the router's JSON.
        if (c.error instanceof OAuthError) c.res = respondToAccountError(c.error);
        return;
      }
      return notFound(c.req.raw);
    });
  }

  app.get('/admin', (c) => pages.overview(c.req.raw));
  app.get('/admin/callback', (c) => callback(c.req.raw, ip(c.req.raw, c.env)));
  app.post('/admin/sign-out', (c) => signOut(c.req.raw));
  app.get('/admin/clients', (c) => clients.list(c.req.raw));
  app.get('/admin/clients/new', (c) => clients.newForm(c.req.raw));
  app.post('/admin/clients', (c) => clients.create(c.req.raw, ip(c.req.raw, c.env)));
  app.get('/admin/clients/:id', (c) => clients.detail(c.req.raw, c.req.param('id')));
  app.post('/admin/clients/:id', (c) => clients.update(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)));
  app.post('/admin/clients/:id/secret', (c) =>
    clients.rotateSecret(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)),
  );
  app.post('/admin/clients/:id/delete', (c) =>
    clients.remove(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)),
  );
  app.get('/admin/users', (c) => users.list(c.req.raw));
  app.get('/admin/users/new', (c) => users.newForm(c.req.raw));
  app.post('/admin/users', (c) => users.create(c.req.raw, ip(c.req.raw, c.env)));
  app.get('/admin/users/:id', (c) => users.detail(c.req.raw, c.req.param('id')));
  app.post('/admin/users/:id/disable', (c) =>
    users.setDisabled(c.req.raw, c.req.param('id'), true, ip(c.req.raw, c.env)),
  );
  app.post('/admin/users/:id/enable', (c) =>
    users.setDisabled(c.req.raw, c.req.param('id'), false, ip(c.req.raw, c.env)),
  );
  app.post('/admin/users/:id/reset-mfa', (c) =>
    users.resetMfa(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)),
  );
  app.post('/admin/users/:id/sessions/revoke', (c) =>
    users.endSession(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)),
  );
  app.post('/admin/users/:id/grants/revoke', (c) =>
    users.revokeGrant(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)),
  );
  app.post('/admin/users/:id/delete', (c) =>
    users.remove(c.req.raw, c.req.param('id'), ip(c.req.raw, c.env)),
  );
  app.get('/admin/keys', (c) => pages.keys(c.req.raw));
  app.post('/admin/keys/rotate', (c) => pages.rotateKeys(c.req.raw, ip(c.req.raw, c.env)));
  app.get('/admin/audit', (c) => pages.audit(c.req.raw));
  app.get('/admin/settings', (c) => pages.settings(c.req.raw));
  app.post('/admin/settings', (c) => pages.saveSettings(c.req.raw, ip(c.req.raw, c.env)));
}

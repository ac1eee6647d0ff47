import type { Configuration } from '@codegrant/client';
import { usernamesOfEvents } from '../audit/usernames.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { rotateSigningKeys } from '../keys/rotation.ts';
import { auditPage } from '../pages/admin-audit-page.ts';
import { keysPage, overviewPage } from '../pages/admin-overview-page.ts';
import { settingsPage } from '../pages/admin-settings-page.ts';
import type { AuditOutcome, AuditQuery } from '../store/store.ts';
import {
  type ConsoleContext,
  consoleChrome,
  consoleSessionOrSignIn,
  readConsoleForm,
} from './console-session.ts';

/** Audit events per console page. */
const AUDIT_PAGE_SIZE = 50;

type Context = ConsoleContext & Pick<ServerContext, 'keyEncryption' | 'settings' | 'registration' | 'mailer'>;

/**
 * The console's overview, signing keys (list, rotate), audit log (filtered, paged) and settings
 * (client registration, sign-up: saved in the store for every process) pages.
 * `reloadKeys` makes this process sign with new keys at once; the others pick them up within
 * their key reload interval.
 */
export function consolePages(context: Context, relyingParty: Configuration, reloadKeys: () => Promise<void>) {
  const signedIn = (request: Request) => consoleSessionOrSignIn(context, relyingParty, request);
  return {
    async overview(request: Request): Promise<Response> {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      await context.audit.flush();
      const users = await context.store.listUsers();
      const day = context.now() - 86_400;
      // One read of the day's failures, counted for the two kinds the overview shows.
      const failures = await context.store.listAuditEvents({ outcome: 'failure', since: day, limit: 10_000 });
      const failuresToday = failures.filter(
        (event) => event.type === 'sign_in' || event.type === 'token' || event.type.startsWith('token.'),
      ).length;
      const recent = await context.store.listAuditEvents({ limit: 10, newestFirst: true });
      return overviewPage(consoleChrome(context, session, 'overview'), {
        users: users.length,
        admins: users.filter((user) => user.admin).length,
        disabled: users.filter((user) => user.disabledAt !== null).length,
        clients: (await context.store.listClients()).length,
        failuresToday,
        recent,
        usernames: await usernamesOfEvents(context.store, recent),
      });
    },

    async keys(request: Request): Promise<Response> {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      const done = new URL(request.url).searchParams.get('done') === 'rotated';
      return keysPage(
        consoleChrome(context, session, 'keys'),
        await context.store.listSigningKeys(),
        done ? 'New signing keys were created; the previous ones are retired.' : undefined,
      );
    },

    async rotateKeys(request: Request, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const created = await rotateSigningKeys(context.store, context.now(), context.keyEncryption);
      await reloadKeys();
      context.audit.record({
        type: 'admin.keys.rotated',
        outcome: 'success',
        actorId: read.session.user.id,
        ip: ip ?? null,
        details: { kids: created.map((key) => key.kid).join(' ') },
      });
      return seeOther(`${context.issuer}/admin/keys?done=rotated`);
    },

    async settings(request: Request): Promise<Response> {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      const saved = new URL(request.url).searchParams.get('done') === 'saved';
      return settingsPage(consoleChrome(context, session, 'settings'), {
        current: context.settings.current,
        defaults: context.settings.defaults,
        tokenConfigured: typeof context.registration === 'object',
        canMail: context.mailer !== undefined,
        notice: saved
          ? 'The settings were saved: every server process applies them within a second.'
          : undefined,
      });
    },

    async saveSettings(request: Request, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const { form, session } = read;
      const wanted = form.registration;
      const registration =
        wanted === 'open' || (wanted === 'token' && typeof context.registration === 'object')
          ? wanted
          : 'off';
      // Sign-up mails: without a mailer it stays as it is.
      const signUp = context.mailer !== undefined ? form.sign_up === 'yes' : context.settings.current.signUp;
      const saved = await context.settings.save({ registration, signUp }, context.now());
      context.audit.record({
        type: 'admin.settings.updated',
        outcome: 'success',
        actorId: session.user.id,
        ip: ip ?? null,
        details: { registration: saved.registration, sign_up: saved.signUp },
      });
      return seeOther(`${context.issuer}/admin/settings?done=saved`);
    },

    async audit(request: Request): Promise<Response> {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      const query = new URL(request.url).searchParams;
      const filter: Omit<AuditQuery, 'limit'> = { newestFirst: true };
      const text = (name: string) => query.get(name)?.trim() || undefined;
      const type = text('type');
      if (type) filter.type = type;
      const outcome = text('outcome');
      if (outcome === 'success' || outcome === 'failure') filter.outcome = outcome as AuditOutcome;
      const user = text('user');
      if (user) filter.userId = user;
      const client = text('client');
      if (client) filter.clientId = client;
      const after = text('after');
      await context.audit.flush();
      const events = await context.store.listAuditEvents({
        ...filter,
        ...(after ? { after } : {}),
        limit: AUDIT_PAGE_SIZE + 1,
      });
      const shown = events.slice(0, AUDIT_PAGE_SIZE);
      const next = events.length > AUDIT_PAGE_SIZE ? (shown.at(-1)?.id ?? null) : null;
      const usernames = await usernamesOfEvents(context.store, shown);
      return auditPage(consoleChrome(context, session, 'audit'), shown, usernames, filter, next);
    },
  };
}

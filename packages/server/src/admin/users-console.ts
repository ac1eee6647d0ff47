import { randomUUID } from 'node:crypto';
import type { Configuration } from '@codegrant/client';
import { endSessionByReference, revokeAppAccess, sessionReference } from '../accounts/access-revocation.ts';
import { parseEmailAddress } from '../accounts/email-address.ts';
import { passwordProblem } from '../accounts/password-policy.ts';
import type { AuditEventType } from '../audit/events.ts';
import { usernamesOfEvents } from '../audit/usernames.ts';
import type { ServerContext } from '../context.ts';
import { seeOther } from '../http/responses.ts';
import { hashPassword } from '../interaction/password.ts';
import { notFoundPage } from '../pages/admin-layout.ts';
import { newUserPage, type UserFormValues, userPage, usersPage } from '../pages/admin-users-page.ts';
import type { UserRecord } from '../store/store.ts';
import {
  type ConsoleContext,
  type ConsoleSession,
  consoleChrome,
  consoleSessionOrSignIn,
  readConsoleForm,
} from './console-session.ts';
import { resetSecondFactors, setUserDisabled } from './user-actions.ts';

type Context = ConsoleContext & Pick<ServerContext, 'accounts'>;

/** The most users the list shows at once: beyond, people search. */
const LIST_LIMIT = 200;

/** The notices a user page may be sent to show (`?done=`). */
const NOTICES: Record<string, string> = {
  created: 'The user was created.',
  disabled: 'The user was disabled: their sessions ended and their grants were revoked.',
  enabled: 'The user can sign in again.',
  'mfa-reset':
    'Their second factors were removed: they sign in with their password alone until they set them up again.',
  'session-ended': 'The session was ended.',
  'grant-revoked': 'The app’s access was revoked.',
  deleted: 'The user was deleted, with everything issued to them.',
};

/**
 * The console's user pages: list and search, create, and for one account its sessions, the apps
 * holding grants, its recent audit events, and the actions: disable or enable, reset second
 * factors, end a session, revoke an app's grant, delete. An administrator cannot disable or delete
 * their own account (another must), so the console never locks its last administrator out.
 */
export function usersConsole(context: Context, relyingParty: Configuration) {
  const base = `${context.issuer}/admin/users`;
  const notice = (request: Request) => NOTICES[new URL(request.url).searchParams.get('done') ?? ''];
  const audit = (
    type: AuditEventType,
    session: ConsoleSession,
    userId: string,
    ip: string | undefined,
    extra = {},
  ) =>
    context.audit.record({
      type,
      outcome: 'success',
      actorId: session.user.id,
      userId,
      ip: ip ?? null,
      ...extra,
    });

  /** A post about the user `userId`: the form, the session and the user, or the answer that ends it. */
  const postAbout = async (
    request: Request,
    userId: string,
  ): Promise<{ form: Record<string, string>; session: ConsoleSession; user: UserRecord } | Response> => {
    const read = await readConsoleForm(context, relyingParty, request);
    if (read instanceof Response) return read;
    const user = await context.store.findUserById(userId);
    if (!user)
      return notFoundPage(consoleChrome(context, read.session, 'users'), 'No such user', base, 'All users');
    return { ...read, user };
  };
  const done = (userId: string, key: keyof typeof NOTICES) =>
    seeOther(`${base}/${encodeURIComponent(userId)}?done=${key}`);

  return {
    async list(request: Request): Promise<Response> {
      const session = await consoleSessionOrSignIn(context, relyingParty, request);
      if (session instanceof Response) return session;
      const query = (new URL(request.url).searchParams.get('q') ?? '').trim().toLowerCase();
      const matching = (await context.store.listUsers()).filter(
        (user) =>
          !query ||
          [user.username, user.email ?? '', user.name ?? ''].some((field) =>
            field.toLowerCase().includes(query),
          ),
      );
      return usersPage(consoleChrome(context, session, 'users'), matching.slice(0, LIST_LIMIT), query, {
        notice: notice(request),
        more: matching.length > LIST_LIMIT,
      });
    },

    async newForm(request: Request): Promise<Response> {
      const session = await consoleSessionOrSignIn(context, relyingParty, request);
      if (session instanceof Response) return session;
      const values: UserFormValues = {
        username: '',
        email: '',
        name: '',
        emailVerified: false,
        admin: false,
      };
      return newUserPage(
        consoleChrome(context, session, 'users'),
        values,
        context.accounts.passwordMinLength,
      );
    },

    async create(request: Request, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const { form, session } = read;
      const values: UserFormValues = {
        username: (form.username ?? '').trim(),
        email: (form.email ?? '').trim(),
        name: (form.name ?? '').trim(),
        emailVerified: form.email_verified === 'yes',
        admin: form.admin === 'yes',
      };
      const refuse = (error: string) =>
        newUserPage(
          consoleChrome(context, session, 'users'),
          values,
          context.accounts.passwordMinLength,
          error,
        );
      if (!values.username || /\s/.test(values.username)) return refuse('Give a username without spaces.');
      if (values.email && parseEmailAddress(values.email) === null)
        return refuse(`${values.email} is not an email address.`);
      if (await context.store.findUserByUsername(values.username)) {
        return refuse(`The username ${values.username} is taken.`);
      }
      const password = form.password ?? '';
      const problem = await passwordProblem(
        password,
        context.accounts.passwordMinLength,
        [values.username, values.email].filter(Boolean),
      );
      if (problem) return refuse(problem);
      const now = context.now();
      const user: UserRecord = {
        id: randomUUID(),
        username: values.username,
        passwordHash: await hashPassword(password),
        email: values.email || null,
        emailVerified: values.email !== '' && values.emailVerified,
        name: values.name || null,
        admin: values.admin,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await context.store.insertUser(user);
      audit('admin.user.created', session, user.id, ip, { details: { admin: user.admin } });
      return done(user.id, 'created');
    },

    async detail(request: Request, userId: string): Promise<Response> {
      const session = await consoleSessionOrSignIn(context, relyingParty, request);
      if (session instanceof Response) return session;
      const chrome = consoleChrome(context, session, 'users');
      const user = await context.store.findUserById(userId);
      if (!user) return notFoundPage(chrome, 'No such user', base, 'All users');
      const now = context.now();
      await context.audit.flush();
      const grants = await context.store.listUserGrants(user.id, now);
      const clientNames = new Map<string, string>();
      for (const clientId of new Set(grants.map((grant) => grant.clientId))) {
        const client = await context.store.findClient(clientId);
        if (client?.name) clientNames.set(clientId, client.name);
      }
      const events = await context.store.listAuditEvents({ userId: user.id, limit: 20, newestFirst: true });
      return userPage(chrome, {
        user,
        self: user.id === session.user.id,
        secondFactors: {
          totp: ((await context.store.findTotp(user.id))?.confirmedAt ?? null) !== null,
          passkeys: (await context.store.listPasskeys(user.id)).length,
        },
        sessions: (await context.store.listUserSessions(user.id, now)).map((found) => ({
          ...found,
          reference: sessionReference(found.idHash),
        })),
        grants,
        clientNames,
        events,
        usernames: await usernamesOfEvents(context.store, events),
        notice: notice(request),
      });
    },

    async setDisabled(request: Request, userId: string, disabled: boolean, ip: string | undefined) {
      const read = await postAbout(request, userId);
      if (read instanceof Response) return read;
      if (read.user.id === read.session.user.id) return done(userId, disabled ? 'disabled' : 'enabled');
      await setUserDisabled(context.store, read.user, disabled, context.now());
      if (disabled) context.backchannelLogouts.kick();
      audit(disabled ? 'admin.user.disabled' : 'admin.user.enabled', read.session, userId, ip);
      return done(userId, disabled ? 'disabled' : 'enabled');
    },

    async resetMfa(request: Request, userId: string, ip: string | undefined): Promise<Response> {
      const read = await postAbout(request, userId);
      if (read instanceof Response) return read;
      const { passkeys } = await resetSecondFactors(context.store, userId);
      audit('admin.user.mfa_reset', read.session, userId, ip, { details: { passkeys } });
      return done(userId, 'mfa-reset');
    },

    async endSession(request: Request, userId: string, ip: string | undefined): Promise<Response> {
      const read = await postAbout(request, userId);
      if (read instanceof Response) return read;
      if (await endSessionByReference(context.store, userId, read.form.session, context.now())) {
        context.backchannelLogouts.kick();
        audit('admin.session.revoked', read.session, userId, ip);
      }
      return done(userId, 'session-ended');
    },

    async revokeGrant(request: Request, userId: string, ip: string | undefined): Promise<Response> {
      const read = await postAbout(request, userId);
      if (read instanceof Response) return read;
      const clientId = read.form.client_id ?? '';
      if (await revokeAppAccess(context.store, userId, clientId, context.now())) {
        audit('admin.grant.revoked', read.session, userId, ip, { clientId });
      }
      return done(userId, 'grant-revoked');
    },

    async remove(request: Request, userId: string, ip: string | undefined): Promise<Response> {
      const read = await postAbout(request, userId);
      if (read instanceof Response) return read;
      if (read.user.id === read.session.user.id) return done(userId, 'deleted');
      await context.store.deleteUser(read.user.username);
      context.backchannelLogouts.kick();
      audit('admin.user.deleted', read.session, userId, ip, { details: { username: read.user.username } });
      return seeOther(`${base}?done=deleted`);
    },
  };
}

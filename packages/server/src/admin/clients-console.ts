import type { Configuration } from '@codegrant/client';
import { ACCOUNT_CLIENT_ID } from '../accounts/account-sign-in.ts';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { seeOther } from '../http/responses.ts';
import {
  type ClientFormValues,
  clientPage,
  clientsPage,
  newClientPage,
} from '../pages/admin-clients-page.ts';
import { notFoundPage } from '../pages/admin-layout.ts';
import { backchannelLogoutUriProblem } from '../registration/backchannel-logout-uri.ts';
import { newClientRecord } from '../registration/new-client.ts';
import { redirectUriProblem } from '../registration/redirect-uri-policy.ts';
import { withSectorIdentifier } from '../registration/sector-identifier.ts';
import type { ClientRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';
import { ADMIN_CLIENT_ID } from './admin-client.ts';
import {
  type ConsoleContext,
  consoleChrome,
  consoleSessionOrSignIn,
  readConsoleForm,
} from './console-session.ts';

/** The notices a client page may be sent to show (`?done=`). */
const NOTICES: Record<string, string> = {
  saved: 'The client was saved.',
  deleted: 'The client was deleted, and every grant it held revoked.',
};

/** The identity provider's own clients: shown, never changed or deleted from the console. */
const BUILT_IN = new Set([ADMIN_CLIENT_ID, ACCOUNT_CLIENT_ID]);

/**
 * The console's client pages: list, create (the secret shown once), edit the name and redirect
 * URIs, rotate the secret (shown once), delete. Every change is CSRF-checked, validated like
 * `codegrant clients add`, and written to the audit log with the administrator as actor.
 */
export function clientsConsole(
  context: ConsoleContext & Pick<ServerContext, 'pairwiseSubjects'>,
  relyingParty: Configuration,
) {
  const base = `${context.issuer}/admin/clients`;
  const page = async (request: Request) => consoleSessionOrSignIn(context, relyingParty, request);
  const audit = (
    type:
      | 'admin.client.created'
      | 'admin.client.updated'
      | 'admin.client.secret_rotated'
      | 'admin.client.deleted',
    actorId: string,
    clientId: string,
    ip: string | undefined,
  ) => context.audit.record({ type, outcome: 'success', actorId, clientId, ip: ip ?? null });

  return {
    async list(request: Request): Promise<Response> {
      const session = await page(request);
      if (session instanceof Response) return session;
      const notice = NOTICES[new URL(request.url).searchParams.get('done') ?? ''];
      return clientsPage(
        consoleChrome(context, session, 'clients'),
        await context.store.listClients(),
        notice,
      );
    },

    async newForm(request: Request): Promise<Response> {
      const session = await page(request);
      if (session instanceof Response) return session;
      const values: ClientFormValues = {
        name: '',
        redirectUris: '',
        type: 'confidential',
        firstParty: false,
      };
      return newClientPage(consoleChrome(context, session, 'clients'), values);
    },

    async create(request: Request, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const { form, session } = read;
      const chrome = consoleChrome(context, session, 'clients');
      const values: ClientFormValues = {
        name: (form.name ?? '').trim(),
        redirectUris: form.redirect_uris ?? '',
        type: form.type === 'public' ? 'public' : 'confidential',
        firstParty: form.first_party === 'yes',
      };
      const checked = checkClientForm(values.name, values.redirectUris);
      if ('error' in checked) return newClientPage(chrome, values, checked.error);
      const secret = values.type === 'confidential' ? randomValue(32) : undefined;
      const client = newClientRecord({
        clientId: randomValue(16),
        clientSecretHash: secret ? sha256(secret) : null,
        name: checked.name,
        redirectUris: checked.redirectUris,
        firstParty: values.firstParty,
        createdAt: context.now(),
      });
      await context.store.insertClient(client);
      audit('admin.client.created', session.user.id, client.clientId, ip);
      return clientPage(chrome, client, {
        notice: 'The client was created.',
        readOnly: false,
        ...(secret ? { newSecret: secret } : {}),
      });
    },

    async detail(request: Request, clientId: string): Promise<Response> {
      const session = await page(request);
      if (session instanceof Response) return session;
      const chrome = consoleChrome(context, session, 'clients');
      const client = await context.store.findClient(clientId);
      if (!client) return notFoundPage(chrome, 'No such client', `${base}`, 'All clients');
      const notice = NOTICES[new URL(request.url).searchParams.get('done') ?? ''];
      return clientPage(chrome, client, { readOnly: BUILT_IN.has(clientId), ...(notice ? { notice } : {}) });
    },

    async update(request: Request, clientId: string, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const { form, session } = read;
      const chrome = consoleChrome(context, session, 'clients');
      const client = await context.store.findClient(clientId);
      if (!client || BUILT_IN.has(clientId))
        return notFoundPage(chrome, 'No such client', base, 'All clients');
      const checked = checkClientForm((form.name ?? '').trim(), form.redirect_uris ?? '');
      if ('error' in checked) return clientPage(chrome, client, { error: checked.error, readOnly: false });
      // The form always has the field (a browser sends it even empty): empty removes the URI.
      const backchannelLogoutUri = form.backchannel_logout_uri?.trim() || null;
      const problem =
        backchannelLogoutUri === null ? undefined : backchannelLogoutUriProblem(backchannelLogoutUri);
      if (problem) {
        const error = `Back-channel logout URI ${backchannelLogoutUri} ${problem}.`;
        return clientPage(chrome, client, { error, readOnly: false });
      }
      let updated: ClientRecord = {
        ...client,
        name: checked.name,
        redirectUris: checked.redirectUris,
        backchannelLogoutUri,
        backchannelLogoutSessionRequired:
          backchannelLogoutUri !== null && client.backchannelLogoutSessionRequired,
      };
      try {
        // A pairwise client keeps its sector: new redirect URIs must stay in it.
        updated = await withSectorIdentifier(context, updated, client);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        return clientPage(chrome, client, { error: `Not saved: ${error.message}.`, readOnly: false });
      }
      await context.store.updateClient(updated);
      audit('admin.client.updated', session.user.id, clientId, ip);
      return seeOther(`${base}/${encodeURIComponent(clientId)}?done=saved`);
    },

    async rotateSecret(request: Request, clientId: string, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const { session } = read;
      const chrome = consoleChrome(context, session, 'clients');
      const client = await context.store.findClient(clientId);
      if (!client || client.clientSecretHash === null || BUILT_IN.has(clientId)) {
        return notFoundPage(chrome, 'No such confidential client', base, 'All clients');
      }
      const secret = randomValue(32);
      const rotated = { ...client, clientSecretHash: sha256(secret) };
      await context.store.updateClient(rotated);
      audit('admin.client.secret_rotated', session.user.id, clientId, ip);
      return clientPage(chrome, rotated, {
        notice: 'The secret was replaced: the old one no longer works.',
        newSecret: secret,
        readOnly: false,
      });
    },

    async remove(request: Request, clientId: string, ip: string | undefined): Promise<Response> {
      const read = await readConsoleForm(context, relyingParty, request);
      if (read instanceof Response) return read;
      const { session } = read;
      if (BUILT_IN.has(clientId) || !(await context.store.deleteClient(clientId))) {
        return notFoundPage(
          consoleChrome(context, session, 'clients'),
          'No such client',
          base,
          'All clients',
        );
      }
      audit('admin.client.deleted', session.user.id, clientId, ip);
      return seeOther(`${base}?done=deleted`);
    },
  };
}

/** A client's name and redirect URIs as typed, checked like `codegrant clients add` checks them. */
function checkClientForm(
  name: string,
  redirectUriText: string,
): { name: string; redirectUris: string[] } | { error: string } {
  if (!name) return { error: 'Give the client a name: people see it on the consent page.' };
  const redirectUris = [
    ...new Set(
      redirectUriText
        .split(/\r?\n/)
        .map((uri) => uri.trim())
        .filter(Boolean),
    ),
  ];
  if (redirectUris.length === 0) return { error: 'Give at least one redirect URI.' };
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) return { error: `Redirect URI ${uri} ${problem}.` };
  }
  return { name: name.slice(0, 200), redirectUris };
}

import type { ClientRecord } from '../store/store.ts';
import { type ConsoleChrome, consoleButton, consolePage, consoleTable, consoleTime } from './admin-layout.ts';
import { html } from './html.ts';

/** `GET /admin/clients`: every client, a link to each. */
export function clientsPage(chrome: ConsoleChrome, clients: ClientRecord[], notice?: string): Response {
  const base = `${chrome.issuer}/admin/clients`;
  const rows = clients.map(
    (
      client,
    ) => html`<tr><td><a href="${base}/${encodeURIComponent(client.clientId)}">${client.name ?? client.clientId}</a></td>
<td><code>${client.clientId}</code></td><td>${client.clientSecretHash === null ? 'public' : 'confidential'}${client.firstParty ? ', first-party' : ''}</td>
<td>${client.redirectUris.join(' ')}</td><td>${consoleTime(client.createdAt)}</td></tr>`,
  );
  return consolePage(
    'Clients',
    chrome,
    html`<p><a class="button" href="${base}/new">New client</a></p>
${consoleTable(['Name', 'Client ID', 'Type', 'Redirect URIs', 'Created'], rows, 'No clients yet.')}`,
    { notice },
  );
}

/** What the new-client form holds (again, after a refusal). */
export interface ClientFormValues {
  name: string;
  redirectUris: string;
  type: 'confidential' | 'public';
  firstParty: boolean;
}

/** `GET /admin/clients/new`: the form of a new client. */
export function newClientPage(chrome: ConsoleChrome, values: ClientFormValues, error?: string): Response {
  return consolePage(
    'New client',
    chrome,
    html`<form method="post" action="${chrome.issuer}/admin/clients">
<input type="hidden" name="csrf_token" value="${chrome.csrfToken}">
<label for="client-name">Name</label><input id="client-name" name="name" maxlength="200" value="${values.name}" required>
<label for="redirect-uris">Redirect URIs, one per line</label>
<textarea id="redirect-uris" name="redirect_uris" rows="3" required>${values.redirectUris}</textarea>
<label for="client-type">Type</label>
<select id="client-type" name="type">
<option value="confidential"${values.type === 'confidential' ? html` selected` : ''}>Confidential: a server-side app with a secret</option>
<option value="public"${values.type === 'public' ? html` selected` : ''}>Public: a single-page, mobile or desktop app (PKCE only)</option>
</select>
<label><input type="checkbox" name="first_party" value="yes"${values.firstParty ? html` checked` : ''} style="width:auto"> First-party: skips the consent page</label>
<button type="submit">Create client</button>
</form>`,
    { error, status: error ? 400 : 200 },
  );
}

/** `GET /admin/clients/:id`: one client, its settings to edit, its secret to rotate. */
export function clientPage(
  chrome: ConsoleChrome,
  client: ClientRecord,
  options: { notice?: string; error?: string; newSecret?: string; readOnly: boolean },
): Response {
  const action = `${chrome.issuer}/admin/clients/${encodeURIComponent(client.clientId)}`;
  const secret = options.newSecret
    ? html`<section><h2>Client secret</h2><p>Copy it now: it is stored hashed and cannot be shown again.</p>
<div class="secret" id="client-secret">${options.newSecret}</div></section>`
    : '';
  const details = html`<dl>
<dt>Client ID</dt><dd><code id="client-id">${client.clientId}</code></dd>
<dt>Type</dt><dd>${client.clientSecretHash === null ? 'public (PKCE)' : `confidential (${client.tokenEndpointAuthMethod})`}${client.firstParty ? ', first-party' : ''}</dd>
<dt>Grant types</dt><dd>${client.grantTypes.join(', ')}</dd>
<dt>Subjects</dt><dd>${client.subjectType === 'pairwise' ? html`pairwise, sector <code>${client.sectorIdentifier}</code>` : 'public'}</dd>
<dt>Created</dt><dd>${consoleTime(client.createdAt)}</dd>
</dl>`;
  const edit = options.readOnly
    ? html`<p>This client belongs to the identity provider itself: it cannot be changed here.</p>`
    : html`<section><h2>Settings</h2><form method="post" action="${action}">
<input type="hidden" name="csrf_token" value="${chrome.csrfToken}">
<label for="client-name">Name</label><input id="client-name" name="name" maxlength="200" value="${client.name ?? ''}" required>
<label for="redirect-uris">Redirect URIs, one per line</label>
<textarea id="redirect-uris" name="redirect_uris" rows="3" required>${client.redirectUris.join('\n')}</textarea>
<label for="backchannel-logout-uri">Back-channel logout URI (optional): where logout tokens are posted when a session ends</label>
<input id="backchannel-logout-uri" name="backchannel_logout_uri" type="url" value="${client.backchannelLogoutUri ?? ''}">
<button type="submit">Save</button></form></section>
<section><h2>Danger zone</h2><div class="actions">
${client.clientSecretHash !== null ? consoleButton(`${action}/secret`, chrome.csrfToken, 'Rotate secret') : ''}
${consoleButton(`${action}/delete`, chrome.csrfToken, 'Delete client')}
</div><p class="hint">Rotating the secret stops the old one at once. Deleting the client revokes every grant it holds.</p></section>`;
  return consolePage(client.name ?? client.clientId, chrome, html`${secret}${details}${edit}`, {
    notice: options.notice,
    error: options.error,
    status: options.error ? 400 : 200,
  });
}

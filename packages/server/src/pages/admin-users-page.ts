import type { AuditEventRecord, GrantRecord, SessionRecord, UserRecord } from '../store/store.ts';
import { auditRows } from './admin-audit-page.ts';
import { type ConsoleChrome, consoleButton, consolePage, consoleTable, consoleTime } from './admin-layout.ts';
import { html } from './html.ts';

/** `GET /admin/users`: the accounts, searchable by username, email or name. */
export function usersPage(
  chrome: ConsoleChrome,
  users: UserRecord[],
  query: string,
  options: { notice?: string | undefined; more: boolean },
): Response {
  const base = `${chrome.issuer}/admin/users`;
  const rows = users.map(
    (user) => html`<tr><td><a href="${base}/${encodeURIComponent(user.id)}">${user.username}</a></td>
<td>${user.email ?? '–'}${user.email && !user.emailVerified ? html` <span class="badge warn">not verified</span>` : ''}</td><td>${user.name ?? '–'}</td>
<td>${user.admin ? html`<span class="badge">admin</span> ` : ''}${user.disabledAt !== null ? html`<span class="badge warn">disabled</span>` : ''}</td>
<td>${consoleTime(user.createdAt)}</td></tr>`,
  );
  return consolePage(
    'Users',
    chrome,
    html`<div class="actions"><form class="filters" method="get" action="${base}"><label for="user-query">Search</label>
<input id="user-query" name="q" value="${query}" placeholder="username, email or name"><button type="submit" class="small secondary">Search</button></form>
<a class="button" href="${base}/new">New user</a></div>
${consoleTable(['Username', 'Email', 'Name', 'Role', 'Created'], rows, query ? 'No user matches.' : 'No users yet.')}
${options.more ? html`<p class="hint">Only the first ${users.length} are shown: search to narrow them.</p>` : ''}`,
    { notice: options.notice },
  );
}

/** What the new-user form holds (again, after a refusal). */
export interface UserFormValues {
  username: string;
  email: string;
  name: string;
  emailVerified: boolean;
  admin: boolean;
}

/** `GET /admin/users/new`: the form of a new account. */
export function newUserPage(
  chrome: ConsoleChrome,
  values: UserFormValues,
  passwordMinLength: number,
  error?: string,
): Response {
  const check = (name: string, checked: boolean, label: string) =>
    html`<label><input type="checkbox" name="${name}" value="yes"${checked ? html` checked` : ''} style="width:auto"> ${label}</label>`;
  return consolePage(
    'New user',
    chrome,
    html`<form method="post" action="${chrome.issuer}/admin/users">
<input type="hidden" name="csrf_token" value="${chrome.csrfToken}">
<label for="new-username">Username</label><input id="new-username" name="username" maxlength="200" value="${values.username}" autocomplete="off" required>
<label for="new-email">Email</label><input id="new-email" name="email" type="email" value="${values.email}" autocomplete="off">
<label for="new-name">Name</label><input id="new-name" name="name" maxlength="200" value="${values.name}" autocomplete="off">
<label for="new-password">Password</label><input id="new-password" name="password" type="password" autocomplete="new-password" minlength="${passwordMinLength}" required>
<p class="hint">At least ${passwordMinLength} characters, not a common password. Give it to the person safely; they can change it on their account page.</p>
${check('email_verified', values.emailVerified, 'The email address is known to be theirs')}
${check('admin', values.admin, 'Administrator: may use this console')}
<button type="submit">Create user</button></form>`,
    { error, status: error ? 400 : 200 },
  );
}

/** What the page of one account shows. */
export interface UserPageInput {
  user: UserRecord;
  /** Whether the administrator looks at their own account (which they may not disable or delete). */
  self: boolean;
  secondFactors: { totp: boolean; passkeys: number };
  sessions: (SessionRecord & { reference: string })[];
  grants: GrantRecord[];
  clientNames: Map<string, string>;
  events: AuditEventRecord[];
  /** The usernames of the accounts the events name. */
  usernames: Map<string, string>;
  notice?: string | undefined;
}

/** `GET /admin/users/:id`: one account, its sign-ins and grants, what may be done to it. */
export function userPage(chrome: ConsoleChrome, input: UserPageInput): Response {
  const { user } = input;
  const action = `${chrome.issuer}/admin/users/${encodeURIComponent(user.id)}`;
  const button = (path: string, label: string, fields: Record<string, string> = {}) =>
    consoleButton(`${action}${path}`, chrome.csrfToken, label, fields);
  const factors = [
    input.secondFactors.totp ? 'authenticator app' : '',
    input.secondFactors.passkeys ? `${input.secondFactors.passkeys} passkey(s)` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const sessions = input.sessions.map(
    (
      session,
    ) => html`<tr><td>${consoleTime(session.authTime)}</td><td>${session.amr.join(' ') || '–'}</td><td>${consoleTime(session.expiresAt)}</td>
<td>${button('/sessions/revoke', 'End', { session: session.reference })}</td></tr>`,
  );
  const grants = input.grants.map(
    (
      grant,
    ) => html`<tr><td>${input.clientNames.get(grant.clientId) ?? grant.clientId}</td><td><code>${grant.clientId}</code></td><td>${grant.scopes.join(' ')}</td><td>${consoleTime(grant.createdAt)}</td>
<td>${button('/grants/revoke', 'Revoke', { client_id: grant.clientId })}</td></tr>`,
  );
  const content = html`<dl>
<dt>User ID (sub)</dt><dd><code>${user.id}</code></dd>
<dt>Email</dt><dd>${user.email ?? '–'}${user.email ? html` <span class="badge${user.emailVerified ? '' : ' warn'}">${user.emailVerified ? 'verified' : 'not verified'}</span>` : ''}</dd>
<dt>Name</dt><dd>${user.name ?? '–'}</dd>
<dt>Role</dt><dd>${user.admin ? 'administrator' : 'user'}</dd>
<dt>Status</dt><dd>${user.disabledAt === null ? 'active' : html`<span class="badge warn">disabled</span> since ${consoleTime(user.disabledAt)}`}</dd>
<dt>Second factors</dt><dd>${factors || 'none'}</dd>
<dt>Created</dt><dd>${consoleTime(user.createdAt)}</dd>
</dl>
<div class="actions">
${input.self ? '' : user.disabledAt === null ? button('/disable', 'Disable') : button('/enable', 'Enable')}
${factors ? button('/reset-mfa', 'Reset second factors') : ''}
${input.self ? '' : button('/delete', 'Delete user')}
</div>
${input.self ? html`<p class="hint">This is your own account: another administrator can disable or delete it.</p>` : ''}
<section><h2>Sessions</h2>${consoleTable(['Signed in', 'How', 'Expires', ''], sessions, 'No live session.')}</section>
<section><h2>Apps holding access</h2>${consoleTable(['App', 'Client ID', 'Scopes', 'Since', ''], grants, 'No app holds access.')}</section>
<section><h2>Recent events</h2>${auditRows(input.events, input.usernames, chrome.issuer)}</section>`;
  return consolePage(user.username, chrome, content, { notice: input.notice });
}

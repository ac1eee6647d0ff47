import type { AuditEventRecord, AuditQuery } from '../store/store.ts';
import { type ConsoleChrome, consolePage, consoleTable, consoleTime } from './admin-layout.ts';
import { html, type SafeHtml } from './html.ts';

/** The table of audit events, newest first. */
export function auditRows(
  events: AuditEventRecord[],
  usernames: Map<string, string>,
  issuer: string,
): SafeHtml {
  const account = (id: string | null) =>
    id === null
      ? '–'
      : html`<a href="${issuer}/admin/users/${encodeURIComponent(id)}">${usernames.get(id) ?? `${id.slice(0, 8)}…`}</a>`;
  const rows = events.map(
    (event) => html`<tr><td>${consoleTime(event.time)}</td><td>${event.type}</td>
<td>${event.outcome === 'failure' ? html`<span class="badge warn">failure</span>` : 'success'}</td>
<td>${account(event.userId)}</td><td>${account(event.actorId)}</td>
<td>${event.clientId ?? '–'}</td><td>${event.ip ?? '–'}</td><td>${event.reason ?? ''}</td>
<td>${Object.entries(event.details)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}</td></tr>`,
  );
  return consoleTable(
    ['Time', 'Type', 'Outcome', 'User', 'Actor', 'Client', 'IP', 'Reason', 'Details'],
    rows,
    'No events.',
  );
}

/** `GET /admin/audit`: the audit log, filtered, newest first, a page at a time. */
export function auditPage(
  chrome: ConsoleChrome,
  events: AuditEventRecord[],
  usernames: Map<string, string>,
  filter: Omit<AuditQuery, 'limit'>,
  next: string | null,
): Response {
  const base = `${chrome.issuer}/admin/audit`;
  const kept = new URLSearchParams();
  if (filter.type) kept.set('type', filter.type);
  if (filter.outcome) kept.set('outcome', filter.outcome);
  if (filter.userId) kept.set('user', filter.userId);
  if (filter.clientId) kept.set('client', filter.clientId);
  if (next) kept.set('after', next);
  const option = (value: string, label: string) =>
    html`<option value="${value}"${filter.outcome === value || (!filter.outcome && value === '') ? html` selected` : ''}>${label}</option>`;
  return consolePage(
    'Audit log',
    chrome,
    html`<form class="filters" method="get" action="${base}">
<label>Type <input name="type" value="${filter.type ?? ''}" placeholder="sign_in, token, admin…"></label>
<label>Outcome <select name="outcome">${option('', 'any')}${option('success', 'success')}${option('failure', 'failure')}</select></label>
<label>User ID <input name="user" value="${filter.userId ?? ''}"></label>
<label>Client ID <input name="client" value="${filter.clientId ?? ''}"></label>
<button type="submit" class="small secondary">Filter</button></form>
${auditRows(events, usernames, chrome.issuer)}
${next ? html`<p><a href="${base}?${kept.toString()}">Older events</a></p>` : ''}
<p class="hint">Export with <code>codegrant audit --json --limit 0</code>.</p>`,
  );
}

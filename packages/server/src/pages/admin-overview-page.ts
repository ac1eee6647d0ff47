import type { AuditEventRecord, SigningKeyRecord } from '../store/store.ts';
import { auditRows } from './admin-audit-page.ts';
import { type ConsoleChrome, consoleButton, consolePage, consoleTable, consoleTime } from './admin-layout.ts';
import { html } from './html.ts';

/** What the console's first page counts. */
export interface OverviewInput {
  users: number;
  admins: number;
  disabled: number;
  clients: number;
  /** Failed sign-ins and refused token requests in the last 24 hours. */
  failuresToday: number;
  recent: AuditEventRecord[];
  /** The usernames of the accounts the events name. */
  usernames: Map<string, string>;
}

/** `GET /admin`: the numbers that matter, and the latest events. */
export function overviewPage(chrome: ConsoleChrome, input: OverviewInput): Response {
  const base = `${chrome.issuer}/admin`;
  return consolePage(
    'Overview',
    chrome,
    html`<dl>
<dt>Users</dt><dd><a href="${base}/users">${input.users}</a> (${input.admins} administrator(s), ${input.disabled} disabled)</dd>
<dt>Clients</dt><dd><a href="${base}/clients">${input.clients}</a></dd>
<dt>Failures, last 24 h</dt><dd><a href="${base}/audit?outcome=failure">${input.failuresToday}</a></dd>
</dl>
<section><h2>Latest events</h2>${auditRows(input.recent, input.usernames, chrome.issuer)}</section>`,
  );
}

/** `GET /admin/keys`: the signing keys, and the button that rotates them. */
export function keysPage(chrome: ConsoleChrome, keys: SigningKeyRecord[], notice?: string): Response {
  const rows = keys.map(
    (
      key,
    ) => html`<tr><td><code>${key.kid}</code></td><td>${key.alg}</td><td>${consoleTime(key.createdAt)}</td>
<td>${key.retiredAt === null ? 'signing' : html`retired ${consoleTime(key.retiredAt)}`}</td></tr>`,
  );
  return consolePage(
    'Signing keys',
    chrome,
    html`<p>Retired keys stay published in the JWKS until every token they signed has expired.</p>
${consoleTable(['Key ID', 'Algorithm', 'Created', 'State'], rows, 'No keys.')}
<section><h2>Rotate</h2><p>New keys sign from now on, in every process within a minute; tokens already issued keep verifying.</p>
${consoleButton(`${chrome.issuer}/admin/keys/rotate`, chrome.csrfToken, 'Rotate signing keys', {}, false)}</section>`,
    { notice },
  );
}

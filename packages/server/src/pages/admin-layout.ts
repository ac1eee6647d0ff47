import { withCookies } from '../interaction/cookies.ts';
import { html, renderPage, type SafeHtml } from './html.ts';

/** The console's sections, in the order of its navigation. */
const SECTIONS = [
  ['overview', '', 'Overview'],
  ['users', '/users', 'Users'],
  ['clients', '/clients', 'Clients'],
  ['keys', '/keys', 'Signing keys'],
  ['audit', '/audit', 'Audit log'],
  ['settings', '/settings', 'Settings'],
] as const;

/** A section of the console. */
export type ConsoleSection = (typeof SECTIONS)[number][0];

/** What every console page shows around its content. */
export interface ConsoleChrome {
  issuer: string;
  csrfToken: string;
  /** The signed-in administrator. */
  username: string;
  section: ConsoleSection;
  /** Cookies to set with the page (a new CSRF cookie). */
  cookies: string[];
}

/** A console page: the navigation, the sign-out button, a line of news, the content. */
export function consolePage(
  title: string,
  chrome: ConsoleChrome,
  content: SafeHtml,
  options: { notice?: string | undefined; error?: string | undefined; status?: number } = {},
): Response {
  const base = `${chrome.issuer}/admin`;
  const body = html`<nav class="console" aria-label="Admin console">
${SECTIONS.map(([section, path, label]) => html`<a href="${base}${path}"${section === chrome.section ? html` aria-current="page"` : ''}>${label}</a>`)}
<form method="post" action="${base}/sign-out"><input type="hidden" name="csrf_token" value="${chrome.csrfToken}"><button type="submit" class="small secondary">Sign out ${chrome.username}</button></form>
</nav>
<h1>${title}</h1>
${options.notice ? html`<div class="notice" role="status">${options.notice}</div>` : ''}
${options.error ? html`<div class="alert" role="alert">${options.error}</div>` : ''}
${content}`;
  return withCookies(
    renderPage(`${title} · Admin console`, body, { wide: 'console', status: options.status ?? 200 }),
    chrome.cookies,
  );
}

/** A one-button form of the console: every change is a POST with the CSRF token. */
export function consoleButton(
  action: string,
  csrfToken: string,
  label: string,
  fields: Record<string, string> = {},
  secondary = true,
): SafeHtml {
  return html`<form method="post" action="${action}"><input type="hidden" name="csrf_token" value="${csrfToken}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit" class="small${secondary ? ' secondary' : ''}">${label}</button></form>`;
}

/** A table of rows under a header; a line saying so when there are none. */
export function consoleTable(headers: string[], rows: SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p>${empty}</p>`;
  return html`<div class="table-wrap"><table><thead><tr>${headers.map((header) => html`<th scope="col">${header}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** A time as people read it, in UTC (the log's zone). */
export function consoleTime(seconds: number): string {
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** What a console page says for something that does not exist (any more). */
export function notFoundPage(chrome: ConsoleChrome, title: string, back: string, backText: string): Response {
  return consolePage(title, chrome, html`<p><a href="${back}">${backText}</a></p>`, { status: 404 });
}

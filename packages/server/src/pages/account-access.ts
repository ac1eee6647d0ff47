import { day, dayAndTime } from './dates.ts';
import { html, type SafeHtml } from './html.ts';
import { describeScope } from './scopes.ts';

/** A browser signed in to the account. */
export interface AccountSessionItem {
  /** What the form names it by: a value made for the page, not the stored session id. */
  reference: string;
  /** When the user last signed in there. */
  authTime: number;
  /** How (RFC 8176 `amr` values). */
  amr: string[];
  /** Whether it is the browser showing the page. */
  current: boolean;
}

/** An app (client) holding access to the account. */
export interface AccountAppItem {
  clientId: string;
  name: string;
  scopes: string[];
  /** When the user first allowed it (of the grants still alive). */
  since: number;
  lastSignIn: number;
}

/** An identity at another provider linked to the account ("sign in with …"). */
export interface LinkedSignInItem {
  provider: string;
  email: string | null;
  createdAt: number;
}

/** The sign-in methods of RFC 8176 `amr` values, for people (`mfa`, `user`: implied by the others). */
const METHOD_WORDS: Record<string, string> = {
  pwd: 'password',
  otp: 'authenticator code',
  hwk: 'passkey',
  swk: 'passkey',
  fed: 'another provider',
};

function methods(amr: string[]): string {
  const words = [...new Set(amr.flatMap((value) => METHOD_WORDS[value] ?? []))];
  return words.length ? ` with ${words.join(' and ')}` : '';
}

/** A form with one small button naming one item (`field`=`value`), the CSRF token beside it. */
function itemButton(
  action: string,
  csrfToken: string,
  field: string,
  value: string,
  label: string,
): SafeHtml {
  return html`<form method="post" action="${action}"><input type="hidden" name="csrf_token" value="${csrfToken}"><input type="hidden" name="${field}" value="${value}"><button type="submit" class="secondary small">${label}</button></form>`;
}

/** "Where you are signed in": every live session, this browser's first, named so, and kept out of the choice. */
export function sessionsSection(issuer: string, csrfToken: string, sessions: AccountSessionItem[]): SafeHtml {
  return html`<section id="sessions"><h2>Where you are signed in</h2>
<p>Don't recognise one? End it, then change your password.</p>
<ul class="rows">${sessions.map(
    (session) =>
      html`<li><span><strong>${session.current ? 'This browser' : 'Another browser'}</strong><br><span class="hint">Signed in ${dayAndTime(session.authTime)}${methods(session.amr)}</span></span>${
        // This browser's way out is "Sign out", at the top.
        session.current
          ? ''
          : itemButton(
              `${issuer}/account/sessions/end`,
              csrfToken,
              'session',
              session.reference,
              'End session',
            )
      }</li>`,
  )}</ul></section>`;
}

/** "Apps with access": each app holding live grants, what it may do, and the button that takes it away. */
export function appsSection(issuer: string, csrfToken: string, apps: AccountAppItem[]): SafeHtml {
  return html`<section id="apps"><h2>Apps with access</h2>
${
  apps.length
    ? html`<p>Apps you signed in to. Revoking one signs it out and makes it ask you again.</p>
<ul class="rows">${apps.map(
        (app) =>
          html`<li><span><strong>${app.name}</strong>
<ul class="scopes">${app.scopes.map((scope) => html`<li>${describeScope(scope)}</li>`)}</ul>
<span class="hint">Allowed ${day(app.since)} · last sign-in ${day(app.lastSignIn)}</span></span>${itemButton(
            `${issuer}/account/apps/revoke`,
            csrfToken,
            'client_id',
            app.clientId,
            'Revoke access',
          )}</li>`,
      )}</ul>`
    : html`<p>No app can use your account at the moment.</p>`
}</section>`;
}

/** "Linked sign-ins": the other providers the user signs in with (read-only here). */
export function linkedSignInsSection(linked: LinkedSignInItem[]): SafeHtml | '' {
  if (linked.length === 0) return '';
  return html`<section id="linked"><h2>Linked sign-ins</h2>
<p>You can also sign in with:</p>
<ul class="rows">${linked.map(
    (link) =>
      html`<li><span><strong>${link.provider}</strong><br><span class="hint">${link.email ? `${link.email} · ` : ''}linked ${day(link.createdAt)}</span></span></li>`,
  )}</ul></section>`;
}

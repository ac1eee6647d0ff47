import type { Settings } from '../settings/runtime-settings.ts';
import { type ConsoleChrome, consolePage } from './admin-layout.ts';
import { html } from './html.ts';

/** What the settings page offers: the settings now, the server's options, and what is possible. */
export interface SettingsPageInput {
  current: Settings;
  /** The options the server was started with (its flags). */
  defaults: Settings;
  /** Whether an initial access token is configured (`CODEGRANT_INITIAL_ACCESS_TOKEN`): only then may registration ask for it. */
  tokenConfigured: boolean;
  /** Whether the server can send mail: sign-up needs it. */
  canMail: boolean;
  notice?: string | undefined;
}

/** `GET /admin/settings`: how clients and people may register. */
export function settingsPage(chrome: ConsoleChrome, input: SettingsPageInput): Response {
  const { current, defaults } = input;
  const option = (value: Settings['registration'], label: string, enabled = true) =>
    html`<option value="${value}"${current.registration === value ? html` selected` : ''}${enabled ? '' : html` disabled`}>${label}${defaults.registration === value ? ' (the server’s option)' : ''}</option>`;
  return consolePage(
    'Settings',
    chrome,
    html`<form method="post" action="${chrome.issuer}/admin/settings">
<input type="hidden" name="csrf_token" value="${chrome.csrfToken}">
<section><h2>Client registration</h2>
<p>Whether apps may register themselves at <code>${chrome.issuer}/register</code> (RFC 7591), as MCP clients do. Discovery advertises the endpoint only while it is open.</p>
<label for="registration">Dynamic client registration</label>
<select id="registration" name="registration">
${option('off', 'Off: clients are added here or with codegrant clients add')}
${option('open', 'Open: any app may register')}
${option('token', 'With the initial access token', input.tokenConfigured)}
</select>
${input.tokenConfigured ? '' : html`<p class="hint">Set CODEGRANT_INITIAL_ACCESS_TOKEN (32+ characters) on the server to offer registration with a token.</p>`}
</section>
<section><h2>Sign-up</h2>
<label><input type="checkbox" name="sign_up" value="yes"${current.signUp ? html` checked` : ''}${input.canMail ? '' : html` disabled`} style="width:auto"> People may create an account on the login page (their address is confirmed by mail)</label>
${input.canMail ? '' : html`<p class="hint">The server sends no mail: sign-up needs it. Start it with CODEGRANT_SMTP_URL (on localhost, with an account flow on, mail is printed instead).</p>`}
<p class="hint">The server’s option: ${defaults.signUp ? 'on' : 'off'}.</p>
</section>
<button type="submit">Save settings</button>
</form>
<p class="hint">Saved settings apply to every server process within a second, and outlive restarts; a setting equal to the server’s option follows the option again.</p>`,
    { notice: input.notice },
  );
}

import { html, renderPage } from './html.ts';
import { describeScope } from './scopes.ts';

/** What the user code form shows. */
export interface DeviceCodePageInput {
  actionUrl: string;
  csrfToken: string;
  username: string;
  /** The code as typed, shown back after an error. */
  userCode?: string;
  error?: string;
  status?: number;
}

/** The verification page's first step (RFC 8628 §3.3): "enter the code your device shows". */
export function deviceCodePage(input: DeviceCodePageInput): Response {
  return renderPage(
    'Connect a device',
    html`<h1>Connect a device</h1>
<p>Enter the code shown on your device, such as a TV or a command-line tool.</p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required placeholder="XXXX-XXXX" value="${input.userCode ?? ''}" autofocus>
<button type="submit">Continue</button>
</form>
<p class="hint">Signed in as <strong>${input.username}</strong>.</p>`,
    { status: input.status ?? 200 },
  );
}

/** What the device confirmation page shows. */
export interface DeviceConfirmPageInput {
  actionUrl: string;
  csrfToken: string;
  /** The code, formatted (`WDJB-MJHT`): the user checks it against the device's screen. */
  userCode: string;
  clientName: string;
  username: string;
  scopes: string[];
}

/**
 * The verification page's decision (RFC 8628 §3.3, §5.4): which app asks, for what, under which
 * code, with the warning against remote phishing (someone else's device code sent to the user to
 * approve). Nothing is granted without a click on "Allow".
 */
export function deviceConfirmPage(input: DeviceConfirmPageInput): Response {
  return renderPage(
    'Allow the device',
    html`<h1>Allow this device?</h1>
<p><strong>${input.clientName}</strong> on a device showing the code <strong><code>${input.userCode}</code></strong> asks to:</p>
<ul>${input.scopes.map((scope) => html`<li>${describeScope(scope)}</li>`)}</ul>
<div class="alert" role="alert">Allow only if you started this sign-in yourself, on a device in front of you that shows this code. If someone sent you this code or link, deny: allowing would give them access to your account.</div>
<p>Signed in as <strong>${input.username}</strong>.</p>
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<input type="hidden" name="user_code" value="${input.userCode}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}

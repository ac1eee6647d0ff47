import { html, renderPage } from './html.ts';
import { type PasskeyButtonInput, passkeyButton, passkeyScripts } from './passkey-button.ts';

/** What the second-factor page shows. */
export interface SecondFactorPageInput {
  actionUrl: string;
  csrfToken: string;
  clientName: string;
  /** The field for an authenticator app's code or a recovery code (the user has an app). */
  code: boolean;
  error?: string;
  status?: number;
  /** "Use a passkey", when the user has one; `issuer` serves its scripts. */
  passkey?: PasskeyButtonInput & { issuer: string };
}

/**
 * "Two-step verification": one field for the authenticator app's code or a recovery code, and the
 * passkey button when the user has passkeys. The
 * browser offers codes it received (`autocomplete=one-time-code`); phones show a digit keyboard.
 */
export function secondFactorPage(input: SecondFactorPageInput): Response {
  return renderPage(
    'Two-step verification',
    html`<h1>Two-step verification</h1>
<p>to continue to <strong>${input.clientName}</strong></p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
${
  input.code
    ? html`<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus aria-describedby="code-hint">
<p class="hint" id="code-hint">The 6-digit code from your authenticator app, or one of your recovery codes.</p>
<button type="submit">Verify</button>
</form>`
    : html`<p>Confirm it is you with your passkey.</p>`
}
${input.passkey ? passkeyButton(input.passkey) : ''}`,
    {
      status: input.status ?? 200,
      ...(input.passkey ? { scripts: passkeyScripts(input.passkey.issuer) } : {}),
    },
  );
}

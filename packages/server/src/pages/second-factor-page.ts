import { html, renderPage } from './html.ts';

/** What the second-factor page shows. */
export interface SecondFactorPageInput {
  actionUrl: string;
  csrfToken: string;
  clientName: string;
  error?: string;
  status?: number;
}

/**
 * "Two-step verification": one field for the authenticator app's code or a recovery code. The
 * browser offers codes it received (`autocomplete=one-time-code`); phones show a digit keyboard.
 */
export function secondFactorPage(input: SecondFactorPageInput): Response {
  return renderPage(
    'Two-step verification',
    html`<h1>Two-step verification</h1>
<p>to continue to <strong>${input.clientName}</strong></p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus aria-describedby="code-hint">
<p class="hint" id="code-hint">The 6-digit code from your authenticator app, or one of your recovery codes.</p>
<button type="submit">Verify</button>
</form>`,
    { status: input.status ?? 200 },
  );
}

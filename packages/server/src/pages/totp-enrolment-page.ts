import { renderSVG } from 'uqr';
import { html, renderPage, SafeHtml } from './html.ts';

/** What the authenticator enrolment page shows. */
export interface TotpEnrolmentPageInput {
  actionUrl: string;
  csrfToken: string;
  /** The `otpauth://` URI, shown as a QR code. */
  uri: string;
  /** The secret (base32), for typing in by hand. */
  secret: string;
  error?: string;
  status?: number;
}

/** Scan the QR code (or type the key), then prove it with the app's first code. */
export function totpEnrolmentPage(input: TotpEnrolmentPageInput): Response {
  // The SVG is made here from the URI: attributes only, no script or style, so the CSP holds.
  const qr = new SafeHtml(renderSVG(input.uri, { border: 2 }));
  const groupedSecret = input.secret.match(/.{1,4}/g)?.join(' ') ?? input.secret;
  return renderPage(
    'Set up two-step verification',
    html`<h1>Set up two-step verification</h1>
<p>Scan this code with an authenticator app (1Password, Google Authenticator, Microsoft Authenticator, Aegis, …).</p>
<figure class="qr" role="img" aria-label="QR code of your authenticator key">${qr}</figure>
<p class="hint">Cannot scan? Enter this key in the app: <code id="totp-secret">${groupedSecret}</code></p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<label for="code">The 6-digit code the app shows</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus>
<button type="submit">Turn on</button>
</form>`,
    { status: input.status ?? 200 },
  );
}

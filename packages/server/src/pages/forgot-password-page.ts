import { html, linkRow, type PageLink, renderPage } from './html.ts';

/** What the "forgot your password" page shows. */
export interface ForgotPasswordPageInput {
  actionUrl: string;
  csrfToken: string;
  interactionId: string | null;
  email?: string;
  error?: string;
  status?: number;
  signIn?: PageLink;
}

/** Asks for the address to send a password reset link to. */
export function forgotPasswordPage(input: ForgotPasswordPageInput): Response {
  return renderPage(
    'Reset your password',
    html`<h1>Reset your password</h1>
<p>Enter the email address of your account and we will send you a link to choose a new password.</p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
${input.interactionId ? html`<input type="hidden" name="interaction" value="${input.interactionId}">` : ''}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" autocapitalize="none" spellcheck="false" required value="${input.email ?? ''}" autofocus>
<button type="submit">Send reset link</button>
</form>
${linkRow([input.signIn])}`,
    { status: input.status ?? 200 },
  );
}

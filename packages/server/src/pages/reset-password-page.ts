import { html, renderPage } from './html.ts';

/** What the "choose a new password" page shows. */
export interface ResetPasswordPageInput {
  actionUrl: string;
  csrfToken: string;
  /** The link's token, posted back with the form. */
  token: string;
  /** The account's username, for the browser's password manager. */
  username: string;
  passwordMinLength: number;
  error?: string;
  status?: number;
}

/** Chooses a new password from a reset link. */
export function resetPasswordPage(input: ResetPasswordPageInput): Response {
  return renderPage(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
<p>for <strong>${input.username}</strong>. Every device signed in to this account will be signed out.</p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<input type="hidden" name="token" value="${input.token}">
<input type="text" name="username" value="${input.username}" autocomplete="username" hidden>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${input.passwordMinLength}" aria-describedby="password-hint" autofocus>
<p class="hint" id="password-hint">At least ${input.passwordMinLength} characters.</p>
<button type="submit">Change password</button>
</form>`,
    { status: input.status ?? 200 },
  );
}

import { html, renderPage } from './html.ts';

/** What the page behind a sign-up or verification link shows. */
export interface ConfirmEmailPageInput {
  actionUrl: string;
  csrfToken: string;
  token: string;
  email: string;
  /** A sign-up confirmed in another browser than the one that asked: the password chosen is asked again. */
  askPassword: boolean;
  /** `sign-up` creates the account; `verify-email` confirms an existing account's address. */
  purpose: 'sign-up' | 'verify-email';
  error?: string;
  status?: number;
}

/**
 * The page a mailed link opens. Opening it changes nothing: mail scanners fetch links, so only the
 * button (a POST) confirms.
 */
export function confirmEmailPage(input: ConfirmEmailPageInput): Response {
  const title = input.purpose === 'sign-up' ? 'Finish creating your account' : 'Confirm your email address';
  return renderPage(
    title,
    html`<h1>${title}</h1>
<p>for <strong>${input.email}</strong>.</p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<input type="hidden" name="token" value="${input.token}">
${
  input.askPassword
    ? html`<input type="text" name="username" value="${input.email}" autocomplete="username" hidden>
<label for="password">The password you chose</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<p class="hint">This link was opened in another browser than the one you signed up in: enter your password to prove it is you.</p>`
    : ''
}
<button type="submit">Confirm</button>
</form>
<p class="hint">If you did not ask for this, ignore it: nothing happens without this button.</p>`,
    { status: input.status ?? 200 },
  );
}

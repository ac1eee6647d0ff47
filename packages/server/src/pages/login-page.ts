import { html, linkRow, type PageLink, renderPage } from './html.ts';
import { type PasskeyButtonInput, passkeyButton, passkeyScripts } from './passkey-button.ts';

/** What the login page shows. */
export interface LoginPageInput {
  actionUrl: string;
  csrfToken: string;
  clientName: string;
  username?: string;
  error?: string;
  status?: number;
  /** "Create an account", when sign-up is on (the field then says "Email or username": self-made accounts are named by their address). */
  signUp?: PageLink;
  /** "Forgot your password?", when password reset is on. */
  forgotPassword?: PageLink;
  /** "Sign in with {provider}", one per upstream provider. */
  upstream?: PageLink[];
  /** "Sign in with a passkey", when passkeys are on; `issuer` serves its scripts. */
  passkey?: PasskeyButtonInput & { issuer: string };
}

/**
 * The built-in login page: a plain form (username, password), labelled inputs, the browser's
 * password manager hints (`autocomplete`), the error announced to screen readers (`role=alert`).
 */
export function loginPage(input: LoginPageInput): Response {
  return renderPage(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${input.clientName}</strong></p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<label for="username">${input.signUp ? 'Email or username' : 'Username'}</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${input.username ?? ''}"${input.username ? '' : html` autofocus`}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${input.username ? html` autofocus` : ''}>
<button type="submit">Sign in</button>
</form>
${input.passkey ? passkeyButton(input.passkey) : ''}
${(input.upstream ?? []).map((link) => html`<a class="button secondary" href="${link.href}">${link.text}</a>`)}
${linkRow([input.forgotPassword, input.signUp])}`,
    {
      status: input.status ?? 200,
      ...(input.passkey ? { scripts: passkeyScripts(input.passkey.issuer) } : {}),
    },
  );
}

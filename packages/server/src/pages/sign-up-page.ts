import { html, linkRow, type PageLink, renderPage } from './html.ts';

/** What the sign-up page shows. */
export interface SignUpPageInput {
  actionUrl: string;
  csrfToken: string;
  /** The pending sign-in to come back to, carried through the form. */
  interactionId: string | null;
  passwordMinLength: number;
  email?: string;
  name?: string;
  error?: string;
  status?: number;
  /** "Already have an account? Sign in". */
  signIn?: PageLink;
}

/** "Create an account": email, optional name, new password (the browser may generate one: `autocomplete`). */
export function signUpPage(input: SignUpPageInput): Response {
  return renderPage(
    'Create an account',
    html`<h1>Create an account</h1>
<p>We will send a link to your email address to confirm it.</p>
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
${input.interactionId ? html`<input type="hidden" name="interaction" value="${input.interactionId}">` : ''}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" autocapitalize="none" spellcheck="false" required value="${input.email ?? ''}" autofocus>
<label for="name">Name <span class="hint">(optional)</span></label>
<input id="name" name="name" type="text" autocomplete="name" value="${input.name ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${input.passwordMinLength}" aria-describedby="password-hint">
<p class="hint" id="password-hint">At least ${input.passwordMinLength} characters. A passphrase of a few words is easy to remember.</p>
<button type="submit">Create account</button>
</form>
${linkRow([input.signIn])}`,
    { status: input.status ?? 200 },
  );
}

import { html, renderPage } from './html.ts';

/** The question asked when a logout request cannot prove it comes from the signed-in user's app. */
export function logoutConfirmPage(input: { actionUrl: string; fields: Record<string, string> }): Response {
  return renderPage(
    'Sign out',
    html`<h1>Sign out?</h1>
<p>An application asks to end your session. You will have to sign in again next time.</p>
<form method="post" action="${input.actionUrl}">
${Object.entries(input.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit">Sign out</button>
</form>`,
  );
}

/** Shown after a logout when the application named no page to return to. */
export function signedOutPage(): Response {
  return renderPage('Signed out', html`<h1>You are signed out</h1><p>You can close this window.</p>`);
}

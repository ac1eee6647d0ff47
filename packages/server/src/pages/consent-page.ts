import { html, renderPage } from './html.ts';
import { describeClaim, describeScope } from './scopes.ts';

/** What the consent page shows. */
export interface ConsentPageInput {
  actionUrl: string;
  csrfToken: string;
  clientName: string;
  /** Where the user will be sent: shown so a look-alike client name cannot hide the destination. */
  redirectHost: string;
  username: string;
  scopes: string[];
  /** Claims asked for on their own (the `claims` parameter), beyond what the scopes release. */
  claims: string[];
  /** Every redirect URI of the client is on this device (localhost): any local app could be it. */
  onlyLocalRedirects: boolean;
}

/** The consent page of third-party clients: what is asked, to whom it goes, and two buttons. */
export function consentPage(input: ConsentPageInput): Response {
  return renderPage(
    'Allow access',
    html`<h1>Allow access?</h1>
<p><strong>${input.clientName}</strong> (returning you to <code>${input.redirectHost}</code>) asks to:</p>
<ul>${input.scopes.map((scope) => html`<li>${describeScope(scope)}</li>`)}${input.claims.map(
      (claim) => html`<li>${describeClaim(claim)} (<code>${claim}</code>)</li>`,
    )}</ul>
${
  input.onlyLocalRedirects
    ? html`<div class="alert" role="alert">This application only returns to your own device (localhost). Allow only if you just started it yourself: any program on this computer could claim this name.</div>`
    : ''
}
<p>Signed in as <strong>${input.username}</strong>.</p>
<form method="post" action="${input.actionUrl}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}

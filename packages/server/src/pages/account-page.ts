import { html, renderPage, type SafeHtml } from './html.ts';
import { type PasskeyButtonInput, passkeyButton, passkeyScripts } from './passkey-button.ts';

/** What the account page shows. */
export interface AccountPageInput {
  issuer: string;
  csrfToken: string;
  username: string;
  name: string | null;
  email: string | null;
  emailVerified: boolean;
  /** Two-step verification, when the server offers it: whether it is on and how many recovery codes are left. */
  twoStep: { enabled: boolean; recoveryCodesLeft: number } | null;
  /** Passkeys, when the server offers them: the user's, and the button that adds one. */
  passkeys: {
    list: { credentialId: string; name: string; createdAt: number; lastUsedAt: number | null }[];
    add: PasskeyButtonInput;
  } | null;
  /** A line of news at the top ("Two-step verification is on"). */
  notice?: string;
}

/** A date for people, in UTC (the page knows no time zone). */
function day(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** A form with one button: every change on the account page is a POST with the CSRF token. */
function actionButton(action: string, csrfToken: string, label: string, secondary = true): SafeHtml {
  return html`<form method="post" action="${action}"><input type="hidden" name="csrf_token" value="${csrfToken}"><button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button></form>`;
}

/** `/account`: who is signed in, and how they sign in. */
export function accountPage(input: AccountPageInput): Response {
  const twoStep = input.twoStep;
  return renderPage(
    'Your account',
    html`<h1>Your account</h1>
${input.notice ? html`<div class="notice" role="status">${input.notice}</div>` : ''}
<h2>Profile</h2>
<dl>
<dt>Username</dt><dd>${input.username}</dd>
${input.name ? html`<dt>Name</dt><dd>${input.name}</dd>` : ''}
${input.email ? html`<dt>Email</dt><dd>${input.email} ${input.emailVerified ? html`<span class="badge">verified</span>` : html`<span class="badge warn">not verified</span>`}</dd>` : ''}
</dl>
${
  twoStep
    ? html`<h2>Two-step verification</h2>
${
  twoStep.enabled
    ? html`<p>On: signing in asks for a code from your authenticator app. Recovery codes left: <strong>${twoStep.recoveryCodesLeft}</strong>.</p>
${actionButton(`${input.issuer}/account/recovery-codes`, input.csrfToken, 'New recovery codes')}
${actionButton(`${input.issuer}/account/two-step/off`, input.csrfToken, 'Turn off two-step verification')}`
    : html`<p>Off. Add a code from an authenticator app to your password, so a stolen password is not enough.</p>
<a class="button" href="${input.issuer}/account/two-step">Set up two-step verification</a>`
}`
    : ''
}
${
  input.passkeys
    ? html`<h2>Passkeys</h2>
<p>Sign in with your fingerprint, face or device PIN instead of a password.</p>
${
  input.passkeys.list.length
    ? html`<ul class="passkeys">${input.passkeys.list.map(
        (passkey) =>
          html`<li><span><strong>${passkey.name}</strong><br><span class="hint">added ${day(passkey.createdAt)}${passkey.lastUsedAt ? html`, last used ${day(passkey.lastUsedAt)}` : ''}</span></span><form method="post" action="${input.issuer}/account/passkeys/delete"><input type="hidden" name="csrf_token" value="${input.csrfToken}"><input type="hidden" name="credential_id" value="${passkey.credentialId}"><button type="submit" class="secondary small">Remove</button></form></li>`,
      )}</ul>`
    : ''
}
<label for="passkey-name">Name of the new passkey</label>
<input id="passkey-name" type="text" maxlength="60" placeholder="e.g. My laptop">
${passkeyButton(input.passkeys.add)}`
    : ''
}
<h2>Session</h2>
${actionButton(`${input.issuer}/account/sign-out`, input.csrfToken, 'Sign out')}`,
    input.passkeys ? { scripts: passkeyScripts(input.issuer) } : {},
  );
}

import {
  type AccountAppItem,
  type AccountSessionItem,
  appsSection,
  type LinkedSignInItem,
  linkedSignInsSection,
  sessionsSection,
} from './account-access.ts';
import { day } from './dates.ts';
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
  /**
   * Whether the account has a password. One made through another provider may have none: its form
   * sets one, and asks for no current password.
   */
  hasPassword: boolean;
  passwordMinLength: number;
  /** Why the last password change was refused (shown in its section). */
  passwordError?: string;
  /** Two-step verification, when the server offers it: whether it is on and how many recovery codes are left. */
  twoStep: { enabled: boolean; recoveryCodesLeft: number } | null;
  /** Passkeys, when the server offers them: the user's, and the button that adds one. */
  passkeys: {
    list: { credentialId: string; name: string; createdAt: number; lastUsedAt: number | null }[];
    add: PasskeyButtonInput;
  } | null;
  sessions: AccountSessionItem[];
  apps: AccountAppItem[];
  linkedSignIns: LinkedSignInItem[];
  /** A line of news at the top ("Your name was saved"). */
  notice?: string;
  status?: number;
}

/** A form with one button: every change on the account page is a POST with the CSRF token. */
function actionButton(action: string, csrfToken: string, label: string, secondary = true): SafeHtml {
  return html`<form method="post" action="${action}"><input type="hidden" name="csrf_token" value="${csrfToken}"><button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button></form>`;
}

function profileSection(input: AccountPageInput): SafeHtml {
  return html`<section id="profile"><h2>Profile</h2>
<dl>
<dt>Username</dt><dd>${input.username}</dd>
${input.email ? html`<dt>Email</dt><dd>${input.email} ${input.emailVerified ? html`<span class="badge">verified</span>` : html`<span class="badge warn">not verified</span>`}</dd>` : ''}
</dl>
<form method="post" action="${input.issuer}/account/profile">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<label for="profile-name">Name</label>
<div class="field-row"><input id="profile-name" name="name" type="text" autocomplete="name" maxlength="200" value="${input.name ?? ''}" placeholder="How apps greet you"><button type="submit" class="secondary">Save</button></div>
</form></section>`;
}

/**
 * Change (or, without one, set) the password. The form's address ends with `#password` so that a
 * refusal, which answers with this page again, opens at this section and its message.
 */
function passwordSection(input: AccountPageInput): SafeHtml {
  const title = input.hasPassword ? 'Change password' : 'Set a password';
  return html`<section id="password"><h2>${input.hasPassword ? 'Password' : 'Set a password'}</h2>
<p>${input.hasPassword ? 'Changing it signs out your other browsers, and apps must sign you in again.' : 'Your account has no password yet: you sign in through another provider. Add one to sign in here directly too.'}</p>
${input.passwordError ? html`<div class="alert" role="alert">${input.passwordError}</div>` : ''}
<form method="post" action="${input.issuer}/account/password#password">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<input type="text" autocomplete="username" value="${input.username}" hidden>
${
  input.hasPassword
    ? html`<label for="current-password">Current password</label>
<input id="current-password" name="current_password" type="password" autocomplete="current-password" required>`
    : ''
}
<label for="new-password">New password</label>
<input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${input.passwordMinLength}" aria-describedby="new-password-hint">
<p class="hint" id="new-password-hint">At least ${input.passwordMinLength} characters. A few unrelated words make a strong one.</p>
<button type="submit">${title}</button>
</form></section>`;
}

function twoStepSection(
  twoStep: NonNullable<AccountPageInput['twoStep']>,
  input: AccountPageInput,
): SafeHtml {
  return html`<section id="two-step"><h2>Two-step verification</h2>
${
  twoStep.enabled
    ? html`<p>On: signing in asks for a code from your authenticator app. Recovery codes left: <strong>${twoStep.recoveryCodesLeft}</strong>.</p>
${actionButton(`${input.issuer}/account/recovery-codes`, input.csrfToken, 'New recovery codes')}
${actionButton(`${input.issuer}/account/two-step/off`, input.csrfToken, 'Turn off two-step verification')}`
    : html`<p>Off. Add a code from an authenticator app to your password, so a stolen password is not enough.</p>
<a class="button" href="${input.issuer}/account/two-step">Set up two-step verification</a>`
}</section>`;
}

function passkeysSection(
  passkeys: NonNullable<AccountPageInput['passkeys']>,
  input: AccountPageInput,
): SafeHtml {
  return html`<section id="passkeys"><h2>Passkeys</h2>
<p>Sign in with your fingerprint, face or device PIN instead of a password.</p>
${
  passkeys.list.length
    ? html`<ul class="rows">${passkeys.list.map(
        (passkey) =>
          html`<li><span><strong>${passkey.name}</strong><br><span class="hint">added ${day(passkey.createdAt)}${passkey.lastUsedAt ? html`, last used ${day(passkey.lastUsedAt)}` : ''}</span></span><form method="post" action="${input.issuer}/account/passkeys/delete"><input type="hidden" name="csrf_token" value="${input.csrfToken}"><input type="hidden" name="credential_id" value="${passkey.credentialId}"><button type="submit" class="secondary small">Remove</button></form></li>`,
      )}</ul>`
    : ''
}
<label for="passkey-name">Name of the new passkey</label>
<input id="passkey-name" type="text" maxlength="60" placeholder="e.g. My laptop">
${passkeyButton(passkeys.add)}</section>`;
}

/** `/account`: who is signed in, how they sign in, where, and which apps hold access. */
export function accountPage(input: AccountPageInput): Response {
  return renderPage(
    'Your account',
    html`<header class="page-head"><div><h1>Your account</h1>
<p>Signed in as <strong>${input.name ?? input.username}</strong></p></div>
<form method="post" action="${input.issuer}/account/sign-out"><input type="hidden" name="csrf_token" value="${input.csrfToken}"><button type="submit" class="secondary small">Sign out</button></form></header>
${input.notice ? html`<div class="notice" role="status">${input.notice}</div>` : ''}
${profileSection(input)}
${passwordSection(input)}
${input.twoStep ? twoStepSection(input.twoStep, input) : ''}
${input.passkeys ? passkeysSection(input.passkeys, input) : ''}
${linkedSignInsSection(input.linkedSignIns)}
${sessionsSection(input.issuer, input.csrfToken, input.sessions)}
${appsSection(input.issuer, input.csrfToken, input.apps)}`,
    {
      status: input.status ?? 200,
      wide: true,
      ...(input.passkeys ? { scripts: passkeyScripts(input.issuer) } : {}),
    },
  );
}

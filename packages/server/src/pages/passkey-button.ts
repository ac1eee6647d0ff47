import { html, type SafeHtml } from './html.ts';

/** What a passkey button does: its kind, where its options come from and its answer goes. */
export interface PasskeyButtonInput {
  action: 'register' | 'authenticate';
  optionsUrl: string;
  verifyUrl: string;
  csrfToken: string;
  label: string;
}

/** The pages' scripts for passkey buttons, in load order (see `pages/passkey-script.ts`). */
export function passkeyScripts(issuer: string): string[] {
  return [`${issuer}/assets/webauthn.js`, `${issuer}/assets/passkeys.js`];
}

/** A passkey button and the place its errors are announced (`role=alert`). */
export function passkeyButton(input: PasskeyButtonInput): SafeHtml {
  return html`<div class="alert" role="alert" id="passkey-error" hidden></div>
<button type="button" class="secondary" data-passkey="${input.action}" data-options-url="${input.optionsUrl}" data-verify-url="${input.verifyUrl}" data-csrf-token="${input.csrfToken}">${input.label}</button>`;
}

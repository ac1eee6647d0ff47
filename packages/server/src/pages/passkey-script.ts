/**
 * The script of the passkey buttons, served at `/assets/passkeys.js` after `@simplewebauthn/browser`
 * (`/assets/webauthn.js`, global `SimpleWebAuthnBrowser`). A button says what it does in `data-`
 * attributes: `data-passkey` (`register` or `authenticate`), the URLs to get options from and to send
 * the answer to, and the CSRF token. The server answers `{ location }` (go there) or an OAuth-style
 * error (`error_description` is shown; a `location` with it means: sign in again there).
 */
export const PASSKEY_SCRIPT = `(() => {
  'use strict';
  const { startRegistration, startAuthentication, browserSupportsWebAuthn } = SimpleWebAuthnBrowser;
  const post = async (url, fields) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
      credentials: 'same-origin',
    });
    const body = await response.json();
    if (!response.ok) {
      if (body.location) window.location.assign(body.location);
      throw new Error(body.error_description || 'The passkey could not be used.');
    }
    return body;
  };
  const error = document.getElementById('passkey-error');
  for (const button of document.querySelectorAll('button[data-passkey]')) {
    if (!browserSupportsWebAuthn()) {
      button.disabled = true;
      continue;
    }
    button.addEventListener('click', async () => {
      const { passkey, optionsUrl, verifyUrl, csrfToken } = button.dataset;
      error.hidden = true;
      button.disabled = true;
      try {
        const optionsJSON = await post(optionsUrl, { csrf_token: csrfToken });
        const answer =
          passkey === 'register' ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
        const fields = { csrf_token: csrfToken, response: JSON.stringify(answer) };
        const name = document.getElementById('passkey-name');
        if (name) fields.name = name.value;
        window.location.assign((await post(verifyUrl, fields)).location);
      } catch (cause) {
        error.textContent =
          cause && cause.name === 'NotAllowedError' ? 'The passkey was not used (cancelled or timed out).' : String(cause.message || cause);
        error.hidden = false;
        button.disabled = false;
      }
    });
  }
})();
`;

import { html, renderPage } from './html.ts';

/** Recovery codes, shown once: only their hashes are kept. */
export function recoveryCodesPage(input: { issuer: string; codes: string[]; title: string }): Response {
  return renderPage(
    input.title,
    html`<h1>${input.title}</h1>
<p>Keep these recovery codes somewhere safe (a password manager). If you lose your phone, each one signs you in once instead of a code. They are shown only now.</p>
<ul class="codes">${input.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<a class="button" href="${input.issuer}/account">Done</a>`,
  );
}

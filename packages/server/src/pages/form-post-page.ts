import { createHash } from 'node:crypto';
import { html, renderPage, SafeHtml } from './html.ts';

const SUBMIT_SCRIPT = 'document.forms[0].submit()';
const SUBMIT_SCRIPT_HASH = `sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}`;

/**
 * The `form_post` response mode (OAuth 2.0 Form Post Response Mode): an auto-submitting form that
 * POSTs the response parameters to the redirect URI, so they never appear in a URL. A button
 * remains for browsers without JavaScript. The CSP allows exactly this one inline script.
 */
export function formPostPage(redirectUri: string, params: Record<string, string>): Response {
  return renderPage(
    'Signing in…',
    html`<h1>Signing in…</h1>
<form method="post" action="${redirectUri}">
${Object.entries(params).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>${new SafeHtml(SUBMIT_SCRIPT)}</script>`,
    { scriptHashes: [SUBMIT_SCRIPT_HASH] },
  );
}

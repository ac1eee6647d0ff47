import type { OAuthError } from '../errors.ts';
import { html, renderPage } from './html.ts';

/**
 * The page shown when an authorization request cannot be answered by a redirect: the client is
 * unknown or the redirect URI is not registered, so redirecting would hand the browser to an
 * unverified address (RFC 6749 §4.1.2.1).
 */
export function errorPage(error: OAuthError): Response {
  return renderPage(
    'Sign-in error',
    html`<h1>Sign-in error</h1>
<p>The application sent an invalid sign-in request, so you were not sent back to it.</p>
<div class="alert" role="alert"><strong>${error.error}</strong>: ${error.message}</div>`,
    { status: error.status },
  );
}

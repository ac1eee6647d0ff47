import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { SpaConfig } from './config.ts';

/** A file of the built app: what to answer for its path. */
export interface StaticFile {
  contentType: string;
  body: Uint8Array;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
button{font:inherit;margin:0 .5rem .5rem 0;padding:.4rem .9rem;border-radius:.4rem;border:1px solid #2354a6;background:#2f6fdb;color:#fff;cursor:pointer}
button:disabled{background:#c9d2df;border-color:#c9d2df;cursor:default}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
pre{background:#f3f5f8;padding:.8rem;overflow:auto;white-space:pre-wrap}#error{color:#b3261e}#log{font-size:.85rem;color:#555}`;

/** JSON that is safe inside `<script type="application/json">`. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function page(config: SpaConfig): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>codegrant SPA</title><link rel="stylesheet" href="/app.css">
<script type="application/json" id="spa-config">${scriptJson(config)}</script>
<script type="module" src="/app.js"></script></head>
<body><main>
<h1>codegrant SPA</h1>
<p id="status" aria-live="polite">Loading…</p>
<p>
<button id="signin-redirect">Sign in</button><button id="signin-popup">Sign in with a popup</button>
<button id="renew" data-needs-user disabled>Renew silently</button><button id="call-api" data-needs-user disabled>Call the API</button>
<button id="signout-redirect" data-needs-user disabled>Sign out</button><button id="signout-popup" data-needs-user disabled>Sign out with a popup</button>
</p>
<p id="error" role="alert"></p>
<h2>User</h2><dl id="user"></dl>
<h2>API</h2><pre id="api-result">Not called yet.</pre>
<h2>Events</h2><ol id="log" reversed></ol>
</main></body></html>
`;
}

/**
 * Builds the example SPA for an identity provider: `src/app.ts` bundled by esbuild (ESM, minified,
 * `@codegrant/browser` from source), its page with `config` written in, and its style sheet.
 * Register a public client with the redirect URI `<origin>/callback` and the post-logout redirect
 * URI `<origin>/signed-out`, then serve the files with {@link serveSpa}.
 *
 * @returns the files by path: `/index.html`, `/app.js`, `/app.css`
 */
export async function buildSpa(config: SpaConfig): Promise<Map<string, StaticFile>> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./app.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['codegrant-source'],
    write: false,
    logLevel: 'silent',
  });
  const encode = (text: string) => new TextEncoder().encode(text);
  return new Map<string, StaticFile>([
    ['/index.html', { contentType: 'text/html; charset=utf-8', body: encode(page(config)) }],
    ['/app.js', { contentType: 'text/javascript; charset=utf-8', body: result.outputFiles[0]!.contents }],
    ['/app.css', { contentType: 'text/css; charset=utf-8', body: encode(STYLE) }],
  ]);
}

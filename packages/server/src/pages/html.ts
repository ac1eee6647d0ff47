import { createHash } from 'node:crypto';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A tagged template whose interpolations are escaped, unless they are {@link SafeHtml} already. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (item instanceof SafeHtml) out += item.value;
      else if (item !== undefined && item !== null && item !== false) out += escapeHtml(String(item));
    }
    out += strings[i + 1] ?? '';
  });
  return new SafeHtml(out);
}

/** Markup that is already escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;--accent:#0b57d0;--error:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#161b22;--line:#30363d;--accent:#4c8df6;--error:#f2b8b5}}
*{box-sizing:border-box}body{margin:0;padding:1rem 0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(24rem,calc(100vw - 2rem));background:var(--card);border:1px solid var(--line);border-radius:12px;padding:2rem}
main.wide{width:min(40rem,calc(100vw - 2rem))}main.wide button:not(.small),main.wide a.button{display:inline-block;width:auto;padding:.6rem 1.25rem}main.wide a.button{margin-top:0}@media (max-width:30rem){main{padding:1.25rem}}
h1{font-size:1.375rem;margin:0 0 .25rem}p{margin:.5rem 0 1rem;color:var(--muted)}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{width:100%;padding:.625rem .75rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px}
input:focus-visible,button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button{width:100%;margin-top:1.5rem;padding:.7rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:var(--fg);border-color:var(--line);margin-top:.75rem}
.alert{color:var(--error);border:1px solid currentColor;border-radius:8px;padding:.5rem .75rem;margin:1rem 0}
ul{padding-left:1.25rem}code{font-size:.9em}
a{color:var(--accent)}.hint{font-size:.875rem;color:var(--muted);margin:.25rem 0 0}
.links{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;margin-top:1.25rem;font-size:.9375rem}
.notice{border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:8px;padding:.75rem;margin:1rem 0;color:var(--fg)}
h2{font-size:1.0625rem;margin:1.5rem 0 .25rem}dl{margin:.5rem 0;display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.badge{font-size:.75rem;border:1px solid currentColor;border-radius:999px;padding:0 .4rem;color:var(--muted);white-space:nowrap}.badge.warn{color:var(--error)}
.qr{margin:1rem auto;width:min(14rem,100%)}.qr svg{display:block;width:100%;height:auto}
ul.rows{list-style:none;padding:0;margin:.5rem 0 0}ul.rows>li{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem .75rem;border-top:1px solid var(--line);padding:.625rem 0}ul.rows>li>span{min-width:0;overflow-wrap:anywhere}
ul.scopes{margin:.25rem 0;padding-left:1.1rem;font-size:.875rem;color:var(--muted)}
section{border-top:1px solid var(--line);margin-top:1.75rem}section>h2{margin-top:1.25rem}
.page-head{display:flex;justify-content:space-between;align-items:flex-start;gap:1rem}.page-head p{margin-bottom:0}
.field-row{display:flex;gap:.5rem}.field-row input{flex:1;min-width:0}.field-row button{width:auto;margin:0;flex:none;padding:0 1.25rem}
button.small{width:auto;margin:0;padding:.35rem .75rem;font-size:.875rem;white-space:nowrap}
ul.codes{list-style:none;padding:0;display:grid;grid-template-columns:1fr 1fr;gap:.25rem .75rem;font-size:1rem}
a.button.secondary{background:transparent;color:var(--fg);border:1px solid var(--line);margin-top:.75rem}
a.button{display:block;text-align:center;text-decoration:none;margin-top:1.5rem;padding:.7rem;font-weight:600;border-radius:8px;background:var(--accent);color:#fff}
main.console{width:min(72rem,calc(100vw - 2rem));align-self:start}main.console button:not(.small){display:inline-block;width:auto;padding:.55rem 1.1rem}
nav.console{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;border-bottom:1px solid var(--line);padding-bottom:.75rem;margin-bottom:1rem}nav.console a{text-decoration:none}nav.console a[aria-current]{font-weight:700;color:var(--fg)}nav.console form{margin-left:auto}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9375rem}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}td code{word-break:break-all}th{color:var(--muted);font-weight:600}
textarea,select{width:100%;padding:.5rem .75rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}.actions form{margin:0}.actions button{margin:0}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}form.filters label{margin:0;font-weight:400;font-size:.875rem}form.filters input,form.filters select{width:auto}
.secret{font-family:ui-monospace,monospace;padding:.5rem .75rem;border:1px dashed var(--line);border-radius:8px;overflow-wrap:anywhere;color:var(--fg)}
`;

/** A link under a form ("Create an account", "Forgot your password?"). */
export interface PageLink {
  href: string;
  text: string;
}

/** The row of links under a form; nothing when there are none. */
export function linkRow(links: (PageLink | undefined)[]): SafeHtml | '' {
  const shown = links.filter((link) => link !== undefined);
  if (shown.length === 0) return '';
  return html`<nav class="links">${shown.map((link) => html`<a href="${link.href}">${link.text}</a>`)}</nav>`;
}

/** The CSP hash of the inline style: pages allow that style and nothing else. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * Security headers of every HTML page: no framing (CSP `frame-ancestors` + `X-Frame-Options`
 * against clickjacking), no referrer (URLs may carry codes), no caching, no sniffing, and a CSP
 * allowing only our own inline style (and the given script hashes).
 */
export function pageHeaders(scriptHashes: string[] = [], ownScripts = false): Record<string, string> {
  // Our own script files (passkeys) also fetch from our origin: 'self' for both, nothing else.
  const sources = [...(ownScripts ? ["'self'"] : []), ...scriptHashes.map((h) => `'${h}'`)];
  const scripts = sources.length ? `; script-src ${sources.join(' ')}` : '';
  const connect = ownScripts ? "; connect-src 'self'" : '';
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; base-uri 'none'; frame-ancestors 'none'${scripts}${connect}`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}

/** A complete page: one `<main>` landmark, the page title as its heading. */
export function renderPage(
  title: string,
  body: SafeHtml,
  options: {
    status?: number;
    headers?: Record<string, string>;
    scriptHashes?: string[];
    /** Script files of our own origin, loaded in order at the end of the body. */
    scripts?: string[];
    /** A wider card, for a page of several sections (the account page); `console`: the admin console's full width. */
    wide?: boolean | 'console';
  } = {},
): Response {
  const scripts = options.scripts ?? [];
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main${options.wide ? html` class="${options.wide === 'console' ? 'console' : 'wide'}"` : ''}>${body}</main>${scripts.map((src) => html`<script src="${src}"></script>`)}</body></html>`;
  return new Response(page.value, {
    status: options.status ?? 200,
    headers: { ...pageHeaders(options.scriptHashes, scripts.length > 0), ...options.headers },
  });
}

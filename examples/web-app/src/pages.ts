import { createHash } from 'node:crypto';
import type { DecodedJwt, Step, StepKind, TokenSet } from './flow.ts';
import { html, SafeHtml } from './html.ts';
import type { HttpExchange } from './http-exchange.ts';
import type { DemoSession } from './sessions.ts';

/** What every page shows about the app's registration. */
export interface PageContext {
  issuer: string;
  clientId: string;
  redirectUri: string;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;--code:#eff2f5;--accent:#0b57d0;--ok:#1a7f37;--error:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#161b22;--line:#30363d;--code:#1f242c;--accent:#4c8df6;--ok:#3fb950;--error:#f2b8b5}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:68rem;margin:0 auto;padding:1.5rem 1rem 4rem}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.5rem 2rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin:0 0 .5rem}h3{font-size:.95rem;margin:1.25rem 0 .25rem}
p{margin:.5rem 0}.muted{color:var(--muted)}a{color:var(--accent)}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem 1.5rem;margin:1rem 0}
pre,code{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--code);border-radius:8px;padding:.75rem 1rem;margin:.5rem 0;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-top:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
th{width:13rem;font-weight:600}td{word-break:break-all}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:0 1rem}
time{font-size:.8rem;font-weight:400;color:var(--muted);margin-left:.5rem}
.badge{font-size:.75rem;font-weight:500;color:var(--muted);border:1px solid var(--line);border-radius:999px;padding:.1rem .6rem;margin-left:.5rem;white-space:nowrap}
.n{display:inline-block;min-width:1.6rem;height:1.6rem;line-height:1.6rem;text-align:center;border-radius:50%;background:var(--accent);color:#fff;font-size:.85rem;margin-right:.5rem}
ul.checks,ul.notes{padding-left:1.25rem;margin:.5rem 0}ul.checks li::marker{content:"✓  ";color:var(--ok);font-weight:700}
.error{color:var(--error);font-weight:600;border:1px solid currentColor;border-radius:8px;padding:.5rem .75rem;margin:.75rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}form{margin:0}
button{font:inherit;font-weight:600;padding:.55rem 1.2rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}
button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
`;

/**
 * Headers of every response of the app: a CSP allowing nothing but the inline style above, no
 * framing, no referrer (callback URLs carry codes), no caching (pages show tokens).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; frame-ancestors 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const STEP_TITLES: Record<StepKind, { title: string; channel: string; about: string }> = {
  authorization: {
    title: 'Authorization request',
    channel: 'app → browser → identity provider',
    about:
      'The app answered "Sign in" with a 303 redirect to the authorization endpoint. These parameters travel through the browser, so none of them is secret.',
  },
  callback: {
    title: 'Authorization response (callback)',
    channel: 'identity provider → browser → app',
    about:
      'After sign-in and consent, the identity provider sent the browser back to the redirect URI with a short-lived, single-use code.',
  },
  token: {
    title: 'Token request',
    channel: 'app → identity provider, server to server',
    about:
      'The app redeems the code directly, authenticating with its client secret (client_secret_basic) and proving with the PKCE code_verifier that it is the one that started this sign-in.',
  },
  userinfo: {
    title: 'UserInfo request',
    channel: 'app → identity provider, server to server',
    about: 'The app asks the UserInfo endpoint about the user, with the access token as a Bearer token.',
  },
  refresh: {
    title: 'Refresh token request',
    channel: 'app → identity provider, server to server',
    about: 'The app trades its refresh token for fresh tokens, without the browser and without the user.',
  },
  api: {
    title: 'API request',
    channel: 'app → its API, server to server',
    about:
      'The app calls its own API, GET /api/me, with the access token as a Bearer token, as any client of the API would. The API checks the token with validateJwtAccessToken of @codegrant/client (typ at+jwt, the signature against the identity provider’s JWKS, iss, aud, exp) and answers whom it is about and its scopes, or refuses it with a WWW-Authenticate challenge.',
  },
};

/** The signed-out home page: what the demo does, and the button that starts it. */
export function homePage(context: PageContext, demoAccount?: { username: string; password: string }): string {
  return layout(
    'Signed out',
    context,
    html`<section class="card">
<h2>Sign in with the codegrant identity provider</h2>
<p>This app is a confidential OAuth 2.0 / OpenID Connect client that speaks raw HTTP, so that you can see each step of the authorization code flow with PKCE: the redirect to the identity provider, the callback, the token request, the ID token checks, the UserInfo request, a refresh, and a call of the app's own API with the access token.</p>
${demoAccount && html`<p>Demo account: username <code>${demoAccount.username}</code>, password <code>${demoAccount.password}</code>.</p>`}
<form method="post" action="/login"><button type="submit">Sign in</button></form>
</section>`,
  );
}

/** The page of a signed-in session: who, the actions, and every step as it happened. */
export function signedInPage(context: PageContext, session: DemoSession, tokens: TokenSet): string {
  const name = session.userinfo?.preferred_username ?? tokens.idTokenClaims.sub;
  const last = session.steps.at(-1);
  return layout(
    'Signed in',
    context,
    html`<section class="card">
<h2>Signed in as ${String(name)}</h2>
${last?.error && html`<p class="error" role="alert">The last step failed: ${last.error}</p>`}
<div class="cols">
<div><h3>ID token claims (verified)</h3>${json(tokens.idTokenClaims)}</div>
<div><h3>UserInfo</h3>${json(session.userinfo ?? {})}</div>
</div>
<div class="actions">
${tokens.refreshToken && html`<form method="post" action="/refresh"><button type="submit">Refresh tokens</button></form>`}
<form method="post" action="/call-api"><button type="submit">Call the API</button></form>
<form method="post" action="/logout"><button type="submit" class="secondary">Sign out</button></form>
</div>
<p class="muted">Sign out clears this app's session only. The identity provider still has yours (single sign-on), so signing in again skips the password, and the consent you gave is remembered.</p>
</section>
${steps(session.steps)}`,
  );
}

/** A sign-in that stopped: why, what happened before, and a way to start again. */
export function failurePage(context: PageContext, message: string, history: Step[]): string {
  return layout(
    'Sign-in failed',
    context,
    html`<section class="card">
<h2>Sign-in failed</h2>
<p class="error" role="alert">${message}</p>
<div class="actions"><form method="post" action="/login"><button type="submit">Start again</button></form></div>
</section>
${steps(history)}`,
  );
}

function layout(title: string, context: PageContext, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · codegrant demo web app</title><style>${new SafeHtml(STYLE)}</style></head>
<body><div class="wrap">
<header><h1>codegrant demo web app</h1>
<p class="muted">client <code>${context.clientId}</code> of <a href="${context.issuer}/.well-known/openid-configuration">${context.issuer}</a>, redirect URI <code>${context.redirectUri}</code></p></header>
<main>${body}</main>
</div></body></html>`.value;
}

function steps(list: Step[]): SafeHtml {
  return html`${list.map((step, i) => {
    const about = STEP_TITLES[step.kind];
    return html`<section class="card" data-step="${step.kind}">
<h2><span class="n">${i + 1}</span>${about.title}<span class="badge">${about.channel}</span><time datetime="${step.at}">${step.at.slice(11, 23)} UTC</time></h2>
<p class="muted">${about.about}</p>
${step.url && frontChannel(step.url)}
${step.exchange && exchange(step.exchange)}
${step.jwts?.map(decodedJwt)}
${step.checks.length > 0 && html`<h3>Checked</h3><ul class="checks">${step.checks.map((c) => html`<li>${c}</li>`)}</ul>`}
${step.notes && html`<ul class="notes">${step.notes.map((n) => html`<li>${n}</li>`)}</ul>`}
${step.error && html`<p class="error" role="alert">✗ ${step.error}</p>`}
</section>`;
  })}`;
}

function frontChannel(url: string): SafeHtml {
  const parsed = new URL(url);
  return html`<pre>GET ${url}</pre>${parameterTable([...parsed.searchParams])}`;
}

function exchange(recorded: HttpExchange): SafeHtml {
  const { request, response } = recorded;
  const url = new URL(request.url);
  const requestText = [
    `${request.method} ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    ...request.headers.map(([name, value]) => `${name}: ${value}`),
    '',
    request.body ?? '',
  ].join('\n');
  return html`<div class="cols">
<div><h3>Request</h3><pre>${requestText}</pre>${request.body !== undefined && parameterTable([...new URLSearchParams(request.body)])}</div>
<div><h3>Response</h3>${
    response
      ? html`<pre>${[
          `HTTP/1.1 ${response.status} ${response.statusText}`,
          ...response.headers.map(([name, value]) => `${name}: ${value}`),
          '',
          prettyBody(response.body),
        ].join('\n')}</pre>`
      : html`<p class="error">${recorded.failure}</p>`
  }</div>
</div>`;
}

function decodedJwt(jwt: DecodedJwt): SafeHtml {
  const times = (['iat', 'exp', 'auth_time'] as const)
    .filter((claim) => typeof jwt.payload[claim] === 'number')
    .map((claim) => `${claim} = ${new Date((jwt.payload[claim] as number) * 1000).toISOString()}`);
  return html`<h3>${jwt.name}, decoded</h3>
<div class="cols"><div>${json(jwt.header)}</div><div>${json(jwt.payload)}${times.length > 0 && html`<p class="muted">${times.join(' · ')}</p>`}</div></div>`;
}

function parameterTable(parameters: [string, string][]): SafeHtml {
  return html`<table>${parameters.map(([name, value]) => html`<tr><th>${name}</th><td>${value}</td></tr>`)}</table>`;
}

function json(value: unknown): SafeHtml {
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

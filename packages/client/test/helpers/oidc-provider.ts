import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { TestBrowser } from '../../../server/test/helpers/browser.ts';

export const REDIRECT_URI = 'https://app.example/callback';
export const API = 'https://api.example';
export const CONFIDENTIAL = {
  client_id: 'confidential',
  client_secret: 'confidential-secret-0123456789abcdef0123',
};
export const PUBLIC = { client_id: 'public' };
export const SERVICE = { client_id: 'service', client_secret: 'service-secret-0123456789abcdef0123456789' };

/**
 * oidc-provider v9 in this process: devInteractions (any login), PKCE, DPoP with nonces, JWT access
 * tokens for {@link API}, pairwise subjects and the claims parameter.
 */
export interface TestProvider {
  issuer: string;
  /** The private key of {@link JAR}, whose public key oidc-provider knows: it signs request objects. */
  jarKey: CryptoKey;
  close(): Promise<void>;
}

/** A client that signs its authorization requests (JAR, RFC 9101). */
export const JAR = { client_id: 'jar', client_secret: 'jar-secret-0123456789abcdef0123456789abcdef' };

/** A pairwise client on the sector of {@link REDIRECT_URI} (app.example). */
export const PAIRWISE = {
  client_id: 'pairwise',
  client_secret: 'pairwise-secret-0123456789abcdef0123456789',
};
/** A pairwise client on another sector, with its own redirect URI. */
export const PAIRWISE_ELSEWHERE = {
  client_id: 'pairwise-elsewhere',
  client_secret: 'pairwise-elsewhere-secret-0123456789abcdef01',
  redirect_uri: 'https://elsewhere.example/callback',
};

/** Device authorization grant clients (RFC 8628), registered with {@link DeviceFlowOptions}. */
export const DEVICE_CONFIDENTIAL = {
  client_id: 'device-confidential',
  client_secret: 'device-secret-0123456789abcdef0123456789ab',
};
export const DEVICE_PUBLIC = { client_id: 'device-public' };
/** A public device client whose device codes live {@link DeviceFlowOptions.shortTtl} seconds. */
export const DEVICE_SHORT_LIVED = { client_id: 'device-short-lived' };

/**
 * Turns on oidc-provider's `features.deviceFlow`, registers the device clients, and adds, with
 * oidc-provider's documented `provider.use` middleware, the two things it does not do itself.
 */
export interface DeviceFlowOptions {
  /** The `interval` (seconds) put in device authorization responses: oidc-provider sends none. */
  interval: number;
  /**
   * A poll of a device code less than this many seconds after the previous one is answered
   * `slow_down` (RFC 8628 §3.5 lets a server do so): oidc-provider defines the error but never
   * sends it. A poll refused for want of a DPoP nonce does not count.
   */
  slowDownWithin: number;
  /** Seconds a device code of {@link DEVICE_SHORT_LIVED} lives (oidc-provider's `ttl.DeviceCode`). */
  shortTtl: number;
}

/** Starts oidc-provider on 127.0.0.1, with the device flow when `deviceFlow` is given. */
export async function startOidcProvider(
  options: { deviceFlow?: DeviceFlowOptions } = {},
): Promise<TestProvider> {
  const { deviceFlow } = options;
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const jar = await generateKeyPair('ES256', { extractable: true });
  const codeFlow = {
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
  // oidc-provider announces its development-only features on the console; keep the test output clean.
  const { warn, info } = console;
  console.warn = console.info = () => {};
  const provider = new Provider(issuer, {
    clients: [
      { ...CONFIDENTIAL, ...codeFlow, token_endpoint_auth_method: 'client_secret_basic' },
      {
        ...PUBLIC,
        ...codeFlow,
        token_endpoint_auth_method: 'none',
        post_logout_redirect_uris: [REDIRECT_URI],
      },
      {
        ...JAR,
        ...codeFlow,
        token_endpoint_auth_method: 'client_secret_basic',
        request_object_signing_alg: 'ES256',
        jwks: { keys: [{ ...(await exportJWK(jar.publicKey)), kid: 'jar-1', alg: 'ES256', use: 'sig' }] },
      },
      {
        ...PAIRWISE,
        ...codeFlow,
        token_endpoint_auth_method: 'client_secret_basic',
        subject_type: 'pairwise',
      },
      {
        client_id: PAIRWISE_ELSEWHERE.client_id,
        client_secret: PAIRWISE_ELSEWHERE.client_secret,
        ...codeFlow,
        redirect_uris: [PAIRWISE_ELSEWHERE.redirect_uri],
        token_endpoint_auth_method: 'client_secret_basic',
        subject_type: 'pairwise',
      },
      {
        ...SERVICE,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      },
      ...(deviceFlow ? deviceClients : []),
    ],
    jwks: {
      keys: [
        { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.privateKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    },
    cookies: { keys: ['a-cookie-signing-key-for-the-tests-0123'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.com`, email_verified: true, name: sub }),
    }),
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    ttl: {
      DeviceCode: (_ctx: unknown, _code: unknown, client: { clientId: string }) =>
        client.clientId === DEVICE_SHORT_LIVED.client_id ? deviceFlow!.shortTtl : 600,
    },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx: unknown, accountId: string, client: { sectorIdentifier: string }) =>
      createHash('sha256')
        .update(`${client.sectorIdentifier}\0${accountId}\0a-salt-for-the-tests`)
        .digest('base64url'),
    features: {
      deviceFlow: { enabled: !!deviceFlow },
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      requestObjects: { enabled: true },
      claimsParameter: { enabled: true },
      dPoP: { enabled: true, nonceSecret: Buffer.alloc(32, 7), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: 'api:read',
          audience: API,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  // `use` is Koa's, missing from the repository's small declaration of oidc-provider (bench/types).
  if (deviceFlow) (provider as unknown as Koa).use(deviceFlowMiddleware(deviceFlow));
  http.on('request', provider.callback());
  return {
    issuer,
    jarKey: jar.privateKey,
    async close() {
      console.warn = warn;
      console.info = info;
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const deviceGrant = {
  redirect_uris: [],
  response_types: [],
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
};
const deviceClients = [
  { ...DEVICE_CONFIDENTIAL, ...deviceGrant, token_endpoint_auth_method: 'client_secret_basic' },
  { ...DEVICE_PUBLIC, ...deviceGrant, token_endpoint_auth_method: 'none' },
  { ...DEVICE_SHORT_LIVED, ...deviceGrant, token_endpoint_auth_method: 'none' },
];

/** Koa context, as oidc-provider's middleware sees it (oidc-provider ships no types). */
// biome-ignore lint/suspicious/noExplicitAny: an untyped Koa context
type KoaContext = any;
/** The part of Koa's application that oidc-provider documents (`provider.use`). */
interface Koa {
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
}

/**
 * The Koa middleware of {@link DeviceFlowOptions}: it reads token request bodies itself (oidc-provider
 * then uses the parsed body, as it does behind a body-parsing framework) to find the device code.
 */
function deviceFlowMiddleware({ interval, slowDownWithin }: DeviceFlowOptions) {
  const lastPolls = new Map<string, number>();
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    let deviceCode: string | null = null;
    if (ctx.method === 'POST' && ctx.path === '/token') {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      ctx.req.body = Buffer.concat(chunks).toString();
      deviceCode = new URLSearchParams(ctx.req.body).get('device_code');
      const last = deviceCode && lastPolls.get(deviceCode);
      if (last && Date.now() - last < slowDownWithin * 1000) {
        lastPolls.set(deviceCode!, Date.now());
        ctx.status = 400;
        ctx.set('cache-control', 'no-store');
        ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
        return;
      }
    }
    await next();
    if (deviceCode && ctx.body?.error !== 'use_dpop_nonce') lastPolls.set(deviceCode, Date.now());
    if (ctx.oidc?.route === 'device_authorization' && ctx.status === 200)
      ctx.body = { ...ctx.body, interval };
  };
}

/** What the browser brought back to the client: the callback URL, or for form_post the POST it would make. */
export type Callback = URL | Request;

/**
 * Drives oidc-provider's development login and consent pages over HTTP from an authorization URL
 * back to `redirectUri` (default {@link REDIRECT_URI}), as a browser would (cookies kept, every
 * redirect followed by hand), in `browser` (whose session at oidc-provider then stays, for a logout).
 */
export async function signInAtOidcProvider(
  authorizationUrl: URL,
  login = 'alice',
  redirectUri = REDIRECT_URI,
  browser = new TestBrowser(),
): Promise<Callback> {
  const end = await interact(
    browser,
    await browser.fetch(authorizationUrl),
    authorizationUrl,
    login,
    redirectUri,
  );
  if (typeof end === 'string') throw new Error(`no form: ${end.slice(0, 300)}`);
  return end;
}

/**
 * Approves (or, with `deny`, aborts) a device authorization at oidc-provider's own pages, as the
 * user would on their phone: the user code typed into the form at `verificationUri` (with its
 * xsrf field), the confirmation page answered, then the login and consent pages.
 *
 * @returns the HTML of the page the user ends on
 */
export async function approveDeviceAtOidcProvider(
  verificationUri: string,
  userCode: string,
  { login = 'alice', deny = false } = {},
): Promise<string> {
  const browser = new TestBrowser();
  const url = new URL(verificationUri);
  const entry = await (await browser.fetch(url)).text();
  const confirmation = await browser.postForm(url, { xsrf: xsrfOf(entry), user_code: userCode });
  // The confirmation page's Continue button sends confirm=yes, its Abort button abort=yes.
  const answer: Record<string, string> = deny ? { abort: 'yes' } : { confirm: 'yes' };
  const fields = { xsrf: xsrfOf(await confirmation.text()), user_code: userCode, ...answer };
  const decided = await browser.postForm(url, fields);
  // Aborted: oidc-provider marks the code access_denied and shows the code form again (HTTP 400).
  if (deny) return decided.text();
  const end = await interact(browser, decided, url, login);
  if (typeof end !== 'string') throw new Error('the device flow went to the client');
  return end;
}

function xsrfOf(html: string): string {
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!xsrf) throw new Error(`no xsrf field: ${html.slice(0, 300)}`);
  return xsrf;
}

/**
 * Follows redirects and submits the login and consent forms from `response` on: ends at
 * `redirectUri` (a URL, or the form_post `Request`), or on a page without a form (its HTML).
 */
async function interact(
  browser: TestBrowser,
  first: Response,
  base: URL,
  login: string,
  redirectUri = REDIRECT_URI,
): Promise<Callback | string> {
  let response = first;
  for (let hop = 0; hop < 12; hop++) {
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, base);
      if (next.href.startsWith(redirectUri)) return next;
      response = await browser.fetch(next);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`unexpected ${response.status}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) return html;
    if (action.startsWith(redirectUri)) {
      // form_post (OAuth 2.0 Form Post Response Mode): the page would POST these inputs to the client.
      const fields = new URLSearchParams();
      for (const [, name, value] of html.matchAll(
        /<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g,
      )) {
        fields.append(
          name!,
          value!
            .replace(/&amp;/g, '&')
            .replace(/&#x2F;/g, '/')
            .replace(/&#x3A;/g, ':'),
        );
      }
      return new Request(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: fields,
      });
    }
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const fields: Record<string, string> =
      prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt! };
    response = await browser.postForm(new URL(action, base), fields);
  }
  throw new Error('too many hops');
}

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

/** oidc-provider v9 in this process: devInteractions (any login), PKCE, DPoP with nonces, JWT access tokens for {@link API}. */
export interface TestProvider {
  issuer: string;
  /** The private key of {@link JAR}, whose public key oidc-provider knows: it signs request objects. */
  jarKey: CryptoKey;
  close(): Promise<void>;
}

/** A client that signs its authorization requests (JAR, RFC 9101). */
export const JAR = { client_id: 'jar', client_secret: 'jar-secret-0123456789abcdef0123456789abcdef' };

export async function startOidcProvider(): Promise<TestProvider> {
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
        ...SERVICE,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      },
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
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      requestObjects: { enabled: true },
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

/** What the browser brought back to the client: the callback URL, or for form_post the POST it would make. */
export type Callback = URL | Request;

/**
 * Drives oidc-provider's development login and consent pages over HTTP from an authorization URL
 * back to {@link REDIRECT_URI}, as a browser would (cookies kept, every redirect followed by hand),
 * in `browser` (whose session at oidc-provider then stays, for a logout).
 */
export async function signInAtOidcProvider(
  authorizationUrl: URL,
  login = 'alice',
  browser = new TestBrowser(),
): Promise<Callback> {
  let response = await browser.fetch(authorizationUrl);
  for (let hop = 0; hop < 12; hop++) {
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, authorizationUrl);
      if (next.href.startsWith(REDIRECT_URI)) return next;
      response = await browser.fetch(next);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`unexpected ${response.status}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form: ${html.slice(0, 300)}`);
    if (action.startsWith(REDIRECT_URI)) {
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
    response = await browser.postForm(new URL(action, authorizationUrl), fields);
  }
  throw new Error('too many hops');
}

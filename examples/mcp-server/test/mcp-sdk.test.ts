/**
 * The MCP SDK's own client against the example MCP server and our identity provider, end to end
 * over real HTTP: discovery from the 401 (RFC 9728 → RFC 8414), dynamic registration (RFC 7591)
 * or a Client ID Metadata Document served over https,
 * authorization with PKCE and `resource` (RFC 8707) through our login and consent pages (driven
 * headlessly), tool calls, refresh, recovery after revocation, and step-up on `insufficient_scope`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import { clockSkew } from '@codegrant/client';
import { createAdaptorServer } from '@hono/node-server';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import { TestBrowser } from '../../../packages/server/test/helpers/browser.ts';
import { signIn } from '../../../packages/server/test/helpers/sign-in.ts';
import {
  addUser,
  freePort,
  startTestServer,
  type TestServer,
} from '../../../packages/server/test/helpers/test-server.ts';
import { ADMIN_SCOPE, createMcpServer, TOOLS_SCOPE } from '../src/mcp-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:33418/callback';
const kate = { username: 'kate', password: 'kate has a long password' };

/**
 * An MCP client's `OAuthClientProvider` whose "user agent" is a test browser that signs in on our
 * pages: `redirectToAuthorization` runs the whole login + consent and keeps the code.
 */
class HeadlessProvider implements OAuthClientProvider {
  readonly authorizationUrls: URL[] = [];
  code: string | undefined;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  readonly #browser = new TestBrowser();

  /**
   * @param options.keepRefreshTokens `false` stores tokens without their refresh token (a client that never refreshes)
   * @param options.clientMetadataUrl the URL of its Client ID Metadata Document: the SDK then uses it as `client_id`
   */
  constructor(private readonly options: { keepRefreshTokens?: boolean; clientMetadataUrl?: string } = {}) {}

  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP SDK test client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: `${TOOLS_SCOPE} offline_access`,
    };
  }

  clientInformation() {
    return this.#client;
  }
  saveClientInformation(client: OAuthClientInformationMixed) {
    this.#client = client;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    const { refresh_token, ...rest } = tokens;
    this.#tokens = this.options.keepRefreshTokens === false ? rest : tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'client') this.#client = undefined;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    const { callbackUrl } = await signIn(this.#browser, url, REDIRECT_URI, kate);
    this.code = callbackUrl.searchParams.get('code') ?? undefined;
    assert.ok(this.code, `no code in ${callbackUrl}`);
  }
}

/** A self-signed certificate for 127.0.0.1 (valid until 2126): the SDK accepts only https metadata URLs. */
const TLS = {
  cert: readFileSync(new URL('./fixtures/localhost-cert.pem', import.meta.url), 'utf8'),
  key: readFileSync(new URL('./fixtures/localhost-key.pem', import.meta.url), 'utf8'),
};

/**
 * Publishes an MCP client's Client ID Metadata Document over https, as a client's website would,
 * and counts the fetches.
 */
async function startMetadataHost(): Promise<{
  url: string;
  fetches: () => number;
  close: () => Promise<void>;
}> {
  let fetches = 0;
  const server = https.createServer(TLS, (request, response) => {
    fetches += 1;
    if (request.url !== '/mcp-client.json') return void response.writeHead(404).end();
    const document = { ...new HeadlessProvider().clientMetadata, client_id: url };
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    response.end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/mcp-client.json`;
  return {
    url,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('MCP SDK client → example MCP server → codegrant identity provider', () => {
  let idp: TestServer;
  let metadataHost: Awaited<ReturnType<typeof startMetadataHost>>;
  let mcpUrl: string;
  let mcpHttp: ReturnType<typeof createAdaptorServer>;
  /** Seconds added to both clocks: the identity provider's and the MCP server's. */
  let offset = 0;
  const tokenRequests: URLSearchParams[] = [];
  let registrations = 0;

  before(async () => {
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    idp = await startTestServer({
      scopes: ['openid', 'offline_access', TOOLS_SCOPE, ADMIN_SCOPE],
      resources: { [mcpUrl]: {} },
      registration: 'open',
      // The metadata host is on 127.0.0.1, which is refused in production (SSRF).
      clientIdMetadataDocuments: { allowPrivateNetworks: true },
      now: () => Math.floor(Date.now() / 1000) + offset,
    });
    metadataHost = await startMetadataHost();
    // The identity provider trusts the host's certificate, as NODE_EXTRA_CA_CERTS would make it.
    https.globalAgent.options.ca = [...rootCertificates, TLS.cert];
    await addUser(idp.store, kate.username, kate.password);
    const fetchMcp = createMcpServer({
      resource: mcpUrl,
      issuer: idp.issuer,
      validation: {
        get [clockSkew]() {
          return offset;
        },
      },
    });
    mcpHttp = createAdaptorServer({ fetch: fetchMcp });
    await new Promise<void>((resolve) => mcpHttp.listen(port, '127.0.0.1', resolve));
  });
  after(async () => {
    (mcpHttp as import('node:http').Server).closeAllConnections();
    await new Promise((resolve) => mcpHttp.close(resolve));
    await idp.close();
    await metadataHost.close();
    https.globalAgent.options.ca = undefined;
  });

  /** A fetch for the SDK that records what it sends to our token and registration endpoints. */
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.href === `${idp.issuer}/token`) tokenRequests.push(new URLSearchParams(String(init?.body)));
    if (url.href === `${idp.issuer}/register`) registrations += 1;
    return fetch(input, init);
  };

  /** Connects as MCP clients do: on UnauthorizedError, finish the authorization and connect again. */
  async function connect(provider: HeadlessProvider): Promise<Client> {
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: recordingFetch });
    const client = new Client({ name: 'codegrant-test', version: '1.0.0' });
    const first = transport();
    try {
      await client.connect(first);
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      await first.finishAuth(provider.code!);
      await client.connect(transport());
    }
    return client;
  }

  /** Calls a tool, finishing an authorization the call needed (refresh failed, step-up) on the way. */
  async function callTool(client: Client, provider: HeadlessProvider, name: string): Promise<string> {
    const call = async () => {
      const result = await client.callTool({ name });
      return (result.content as Array<{ text: string }>)[0]!.text;
    };
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      const transport = client.transport as StreamableHTTPClientTransport;
      await transport.finishAuth(provider.code!);
      return call();
    }
  }

  let provider: HeadlessProvider;
  let client: Client;

  it('discovers, registers, signs in with resource, and calls a tool with an audience-bound token', async () => {
    provider = new HeadlessProvider();
    client = await connect(provider);
    assert.equal(provider.authorizationUrls.length, 1);
    const url = provider.authorizationUrls[0]!;
    assert.equal(url.origin + url.pathname, `${idp.issuer}/authorize`);
    assert.equal(url.searchParams.get('resource'), mcpUrl);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    const info = provider.clientInformation()!;
    assert.ok(info.client_id, 'registered by DCR');
    assert.ok(await idp.store.findClient(info.client_id), 'the client is in our store');
    const access = decodeJwt(provider.tokens()!.access_token);
    assert.equal(access.aud, mcpUrl);
    assert.equal(access.iss, idp.issuer);
    assert.equal(url.searchParams.get('scope'), TOOLS_SCOPE, 'the scope the 401 challenge named');
    assert.ok(provider.tokens()!.refresh_token, 'a refresh token for the registered refresh_token grant');
    const text = await callTool(client, provider, 'whoami');
    assert.match(text, new RegExp(`^${access.sub} \\(`));
  });

  it('identifies itself by its Client ID Metadata Document instead of registering', async () => {
    const cimd = new HeadlessProvider({ clientMetadataUrl: metadataHost.url });
    const registrationsBefore = registrations;
    const cimdClient = await connect(cimd);
    assert.equal(registrations, registrationsBefore, 'no dynamic registration');
    assert.equal(cimd.clientInformation()?.client_id, metadataHost.url);
    const url = cimd.authorizationUrls[0]!;
    assert.equal(url.searchParams.get('client_id'), metadataHost.url);
    assert.equal(url.searchParams.get('resource'), mcpUrl);
    assert.ok(metadataHost.fetches() >= 1, 'our server fetched the document');
    const stored = await idp.store.findClient(metadataHost.url);
    assert.deepEqual(stored?.redirectUris, [REDIRECT_URI]);
    assert.equal(stored?.tokenEndpointAuthMethod, 'none');
    const access = decodeJwt(cimd.tokens()!.access_token);
    assert.equal(access.aud, mcpUrl);
    assert.equal(access.client_id, metadataHost.url);
    assert.match(await callTool(cimdClient, cimd, 'whoami'), new RegExp(`^${access.sub} \\(`));
    await cimdClient.close();
  });

  it('refreshes when the access token has expired, without asking the user', async () => {
    const before = provider.tokens()!;
    const requestsBefore = tokenRequests.length;
    offset += 7200; // both clocks two hours on: the access token (1 h) has expired
    const text = await callTool(client, provider, 'whoami');
    assert.match(text, /mcp:tools/);
    assert.equal(provider.authorizationUrls.length, 1, 'no new sign-in');
    const refreshes = tokenRequests
      .slice(requestsBefore)
      .filter((r) => r.get('grant_type') === 'refresh_token');
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0]!.get('resource'), mcpUrl);
    assert.notEqual(provider.tokens()!.access_token, before.access_token);
    assert.notEqual(provider.tokens()!.refresh_token, before.refresh_token, 'rotated');
  });

  it('signs in again when its refresh token was revoked, and the call goes through', async () => {
    const revoked = await fetch(`${idp.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: provider.tokens()!.refresh_token!,
        client_id: provider.clientInformation()!.client_id,
      }),
    });
    assert.equal(revoked.status, 200);
    offset += 7200;
    const text = await callTool(client, provider, 'whoami');
    assert.match(text, /mcp:tools/);
    assert.equal(provider.authorizationUrls.length, 2, 'a second sign-in');
    const last = tokenRequests.at(-2)!;
    assert.equal(last.get('grant_type'), 'refresh_token', 'the refresh was tried first');
  });

  it('steps up with a client that holds no refresh token: 403 insufficient_scope, re-authorization with the larger scope', async () => {
    const once = new HeadlessProvider({ keepRefreshTokens: false });
    const onceClient = await connect(once);
    const text = await callTool(onceClient, once, 'admin_report');
    assert.match(text, /^report for /);
    assert.equal(once.authorizationUrls.length, 2, 'signed in again, for the larger scope');
    const scope = once.authorizationUrls[1]!.searchParams.get('scope')!.split(' ').sort();
    assert.deepEqual(scope, [ADMIN_SCOPE, TOOLS_SCOPE].sort(), 'the scope the 403 challenge named');
    assert.match(String(decodeJwt(once.tokens()!.access_token).scope), /mcp:admin/);
    await onceClient.close();
  });

  it('shows the SDK 1.32 step-up gap: holding a refresh token, it refreshes (same scope) and gives up', async () => {
    // The SDK's auth() tries the refresh token before a new authorization, even when the 403 asks
    // for more scope; a refresh cannot widen a grant (RFC 6749 §6), so the retry gets the same 403
    // and the transport throws. Our side is right: the challenge names the scope (test above).
    const requestsBefore = tokenRequests.length;
    const signInsBefore = provider.authorizationUrls.length;
    await assert.rejects(
      client.callTool({ name: 'admin_report' }),
      /Server returned 403 after trying upscoping/,
    );
    const refreshes = tokenRequests
      .slice(requestsBefore)
      .filter((r) => r.get('grant_type') === 'refresh_token');
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0]!.get('scope'), null, 'the refresh asks for no larger scope');
    assert.equal(provider.authorizationUrls.length, signInsBefore, 'no re-authorization');
  });

  it('refuses a token for another audience at the MCP server with a challenge naming its metadata', async () => {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer not.a.token', 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 401);
    const metadataUrl = new URL(mcpUrl);
    assert.match(
      response.headers.get('www-authenticate')!,
      new RegExp(
        `resource_metadata="http://127\\.0\\.0\\.1:${metadataUrl.port}/\\.well-known/oauth-protected-resource/mcp"`,
      ),
    );
    const metadata = await (
      await fetch(`${metadataUrl.origin}/.well-known/oauth-protected-resource/mcp`)
    ).json();
    assert.deepEqual(metadata.authorization_servers, [idp.issuer]);
    assert.equal(metadata.resource, mcpUrl);
  });
});

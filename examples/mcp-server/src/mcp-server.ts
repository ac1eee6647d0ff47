/**
 * An MCP server protected by a codegrant identity provider: the shape to copy. It publishes its
 * protected resource metadata (RFC 9728), so MCP clients find the identity provider from its 401,
 * checks every request's JWT access token with `requireAccessToken` (issuer, signature, `aud` = this
 * server, `exp`, scopes) and asks for more scope with 403 `insufficient_scope` where a tool needs it.
 * Web-standard: `fetch(request) → Response`, served on Node by `@hono/node-server`.
 */
import {
  type AuthorizationServer,
  accessTokenErrorResponse,
  allowHttp,
  discoveryRequest,
  processDiscoveryResponse,
  protectedResourceMetadataResponse,
  protectedResourceMetadataUrl,
  type RequireAccessTokenOptions,
  requireAccessToken,
} from '@codegrant/client';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

/** Every call needs this scope. */
export const TOOLS_SCOPE = 'mcp:tools';
/** The `admin_report` tool needs this one too. */
export const ADMIN_SCOPE = 'mcp:admin';

/** What the MCP server is told about itself and its identity provider. */
export interface McpServerOptions {
  /** This server's URL, its resource identifier: tokens must have it as `aud`. */
  resource: string;
  /** The identity provider's issuer. */
  issuer: string;
  /** More checks of the access token (`requireDPoP`, `signingAlgorithms`, `clockSkew`, …). */
  validation?: Omit<RequireAccessTokenOptions, 'scopes'>;
}

/** The scopes a JSON-RPC message needs beyond {@link TOOLS_SCOPE}. */
function extraScopes(message: unknown): string[] {
  const call = message as { method?: string; params?: { name?: string } } | null;
  return call?.method === 'tools/call' && call.params?.name === 'admin_report' ? [ADMIN_SCOPE] : [];
}

/** The MCP server of one request (stateless: no session to keep between requests). */
function mcpServer(subject: string, scope: string): McpServer {
  const server = new McpServer({ name: 'codegrant-example-mcp', version: '0.1.0' });
  server.registerTool('whoami', { description: 'Who the access token is for' }, async () => ({
    content: [{ type: 'text', text: `${subject} (${scope})` }],
  }));
  server.registerTool(
    'admin_report',
    { description: `A report for administrators (needs the ${ADMIN_SCOPE} scope)` },
    async () => ({ content: [{ type: 'text', text: `report for ${subject}` }] }),
  );
  return server;
}

/** Creates the MCP server's `fetch` handler. `http:` issuers are allowed on loopback only (development). */
export function createMcpServer(options: McpServerOptions): (request: Request) => Promise<Response> {
  const metadataPath = protectedResourceMetadataUrl(options.resource).pathname;
  const mcpPath = new URL(options.resource).pathname;
  const issuer = new URL(options.issuer);
  const insecure =
    issuer.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  let authorizationServer: Promise<AuthorizationServer> | undefined;
  // Discovered once, on the first request that needs it (and again if that failed).
  const discover = () => {
    authorizationServer ??= discoveryRequest(issuer, { [allowHttp]: insecure })
      .then((response) => processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        authorizationServer = undefined;
        throw error;
      });
    return authorizationServer;
  };

  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === metadataPath && request.method === 'GET') {
      return protectedResourceMetadataResponse({
        resource: options.resource,
        authorizationServers: [(await discover()).issuer],
        scopesSupported: [TOOLS_SCOPE, ADMIN_SCOPE],
        resourceName: 'codegrant example MCP server',
      });
    }
    if (pathname !== mcpPath) return new Response('not found', { status: 404 });

    const body: unknown = request.method === 'POST' ? await request.json().catch(() => null) : undefined;
    let claims: Awaited<ReturnType<typeof requireAccessToken>>;
    try {
      claims = await requireAccessToken(await discover(), request, options.resource, {
        [allowHttp]: insecure,
        ...options.validation,
        scopes: [TOOLS_SCOPE, ...extraScopes(body)],
      });
    } catch (error) {
      return accessTokenErrorResponse(error);
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcpServer(claims.sub, String(claims.scope ?? '')).connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  };
}

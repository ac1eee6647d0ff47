/**
 * `oidc-provider` (v9, certified) as the upstream identity provider of "Sign in with …" tests: in
 * this process, on a real port, with development login pages (any password) and accounts whose
 * claims the test chooses.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** The claims of an upstream account, by login name. */
export type UpstreamAccounts = Record<string, { email?: string; email_verified?: boolean; name?: string }>;

/** The upstream provider: its issuer and our client there. */
export interface UpstreamProviderServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Starts answering, with our server's callback as the client's redirect URI. */
  start(redirectUri: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Listens first (so the issuer is known before our server is configured with it), then `start`
 * builds the provider with our callback registered: a confidential client, PKCE required.
 */
export async function reserveUpstreamProvider(accounts: UpstreamAccounts): Promise<UpstreamProviderServer> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = { clientId: 'codegrant-idp', clientSecret: 'upstream-secret-0123456789abcdef0123456789' };
  const { warn, info } = console;
  return {
    issuer,
    ...client,
    async start(redirectUri) {
      const key = await generateKeyPair('RS256', { extractable: true });
      // oidc-provider announces its development-only features on the console; keep the output clean.
      console.warn = console.info = () => {};
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: client.clientId,
            client_secret: client.clientSecret,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
        jwks: {
          keys: [{ ...(await exportJWK(key.privateKey)), kid: 'upstream-1', alg: 'RS256', use: 'sig' }],
        },
        cookies: { keys: ['an-upstream-cookie-signing-key-0123456789'] },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        // ID tokens carry the claims themselves (no user info call needed).
        conformIdTokenClaims: false,
        findAccount: async (_ctx: unknown, sub: string) => ({
          accountId: sub,
          claims: async () => ({ sub, ...(accounts[sub] ?? {}) }),
        }),
        pkce: { required: () => true },
        features: { devInteractions: { enabled: true } },
      });
      http.on('request', provider.callback());
    },
    async close() {
      console.warn = warn;
      console.info = info;
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

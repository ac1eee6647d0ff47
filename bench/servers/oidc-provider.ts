/**
 * Subject: oidc-provider v9 (the model to beat) on node:http with `provider.callback()`, its
 * in-memory adapter, ES256 ID tokens and ES256 JWT access tokens, PKCE, one `client_secret_basic`
 * client. Pre-mints the codes through its own models, then reports `{ port, codes }` to the runner.
 */

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CODE_LIFETIME_SECONDS,
  CODE_VERIFIER,
  findFreePort,
  REDIRECT_URI,
  requestedCodeCount,
  SCOPES,
  serveBench,
  USER_ID,
} from '../subject.ts';

/**
 * v9 issues JWT access tokens only for a resource server (RFC 8707), so every code is bound to
 * this one and the grant gives it the scopes.
 */
const RESOURCE = 'https://api.example.com';

const count = requestedCodeCount();
const port = await findFreePort();
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

// The default memory adapter, but on a store that holds every pre-minted code: its own store keeps
// only the last 1,000-2,000 entries (an LRU), which would evict most codes before they are used.
const storage = new LRU({ maxSize: 4 * count + 1000 });
const scope = SCOPES.join(' ');

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: (model: string) => new MemoryAdapter(model, storage),
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  claims: { openid: ['sub'], profile: ['name'] },
  findAccount: async (_ctx: unknown, sub: string) => ({
    accountId: sub,
    claims: async () => ({ sub, name: 'Bench User' }),
  }),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      // Without this, a code with `openid` yields an opaque UserInfo token instead of the JWT.
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: CODE_LIFETIME_SECONDS,
    IdToken: 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 600,
    Session: 14 * 24 * 3600,
    RefreshToken: 14 * 24 * 3600,
  },
});
// Non-200 bodies of server_error say nothing; the cause goes to stderr for the runner's report.
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));

const client = await provider.Client.find(CLIENT_ID);
if (!client) throw new Error(`oidc-provider does not know client ${CLIENT_ID}`);
const codeChallenge = createHash('sha256').update(CODE_VERIFIER).digest('base64url');
const authTime = Math.floor(Date.now() / 1000);
const codes: string[] = [];
for (let i = 0; i < count; i++) {
  // One grant per code, as an interactive authorization would leave it.
  const grant = new provider.Grant({ accountId: USER_ID, clientId: CLIENT_ID });
  grant.addOIDCScope(scope);
  grant.addResourceScope(RESOURCE, scope);
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({
    accountId: USER_ID,
    grantId,
    client,
    redirectUri: REDIRECT_URI,
    scope,
    resource: RESOURCE,
    codeChallenge,
    codeChallengeMethod: 'S256',
    authTime,
  });
  codes.push(await code.save());
}

const http = createServer(provider.callback());
await new Promise<void>((resolve, reject) => {
  http.once('error', reject);
  http.listen(port, '127.0.0.1', () => resolve());
});
await serveBench({ port, codes }, async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { AuthorizationServer, Client } from '../../src/index.ts';
import { allowHttp } from '../../src/index.ts';
import { type FakeServer, json, startFakeServer } from './fake-server.ts';

export const CLIENT_ID = 'client-1';
export const CLIENT_SECRET = 'a-client-secret-of-more-than-32-characters';
export const REDIRECT_URI = 'https://app.example/callback';

/** Signing keys the fake issuer publishes (`ec`: ES256, `rsa`: RS256) and one it does not (`rogue`). */
export interface Keys {
  ec: CryptoKeyPair;
  rsa: CryptoKeyPair;
  rogue: CryptoKeyPair;
}

let keys: Promise<Keys> | undefined;
/** The test keys, generated once per process. */
export function testKeys(): Promise<Keys> {
  keys ??= (async () => ({
    ec: await generateKeyPair('ES256'),
    rsa: await generateKeyPair('RS256'),
    rogue: await generateKeyPair('ES256'),
  }))();
  return keys;
}

/** A crafted authorization server: metadata, JWKS and a token endpoint whose answer the test sets. */
export interface FakeIssuer {
  server: FakeServer;
  issuer: string;
  as: AuthorizationServer;
  client: Client;
  keys: Keys;
  /** The published JWKS (tests may change it: the next fetch sees the change). */
  jwks: JWK[];
  /** Low-level options that allow this http server. */
  http: { [allowHttp]: true };
  /** Signs an ID token: valid claims for `client`, overridden by `claims`; ES256 with kid `ec-1` unless `header` says. */
  idToken(
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
    key?: CryptoKey,
  ): Promise<string>;
  /** Sets the token endpoint's answer. */
  answerToken(make: (request: Request) => Response | Promise<Response>): void;
  close(): Promise<void>;
}

export const now = () => Math.floor(Date.now() / 1000);

export async function startFakeIssuer(): Promise<FakeIssuer> {
  const server = await startFakeServer();
  const issuer = server.url;
  const k = await testKeys();
  const jwks: JWK[] = [
    { ...(await exportJWK(k.ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(k.rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
  ];
  const as: AuthorizationServer = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    userinfo_endpoint: `${issuer}/userinfo`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    end_session_endpoint: `${issuer}/logout`,
    registration_endpoint: `${issuer}/register`,
    id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
  server.route('/.well-known/openid-configuration', () => json(as));
  server.route('/jwks', () => json({ keys: jwks }));
  const idToken: FakeIssuer['idToken'] = (claims = {}, header = {}, key) => {
    const payload: JWTPayload = {
      iss: issuer,
      sub: 'alice',
      aud: CLIENT_ID,
      iat: now(),
      exp: now() + 300,
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', ...header } as { alg: string })
      .sign(key ?? k.ec.privateKey);
  };
  return {
    server,
    issuer,
    as,
    client: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
    keys: k,
    jwks,
    http: { [allowHttp]: true },
    idToken,
    answerToken: (make) => server.route('/token', make),
    close: () => server.close(),
  };
}

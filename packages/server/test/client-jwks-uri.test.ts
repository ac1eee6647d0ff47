import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { verifyClientAssertion } from '../src/client-auth/client-assertion.ts';
import { ClientKeys } from '../src/client-auth/client-keys.ts';
import type { OAuthError } from '../src/errors.ts';
import { newClientRecord } from '../src/registration/new-client.ts';
import type { ClientRecord } from '../src/store/store.ts';

const ISSUER = 'https://id.example.com';
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };

function clientWithJwksUri(jwksUri: string, selfRegistered: boolean): ClientRecord {
  return {
    ...newClientRecord({
      clientId: 'app',
      clientSecretHash: null,
      name: 'App',
      redirectUris: ['https://app.example.com/callback'],
      grantTypes: ['authorization_code'],
      firstParty: false,
      createdAt: 0,
    }),
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwksUri,
    registrationAccessTokenHash: selfRegistered ? 'hash-of-its-registration-access-token' : null,
  };
}

async function verifyWith(client: ClientRecord): Promise<unknown> {
  const resolver = new ClientKeys().resolverFor(client);
  assert.ok(resolver);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({
    iss: 'app',
    sub: 'app',
    aud: `${ISSUER}/token`,
    jti: crypto.randomUUID(),
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
  return verifyClientAssertion(assertion, {
    clientId: 'app',
    keys: resolver,
    audiences: [ISSUER, `${ISSUER}/token`],
    now,
    rememberJti: async () => true,
  });
}

const refused = (pattern: RegExp) => (error: OAuthError) =>
  error.error === 'invalid_client' && error.status === 401 && pattern.test(error.message);

describe('private_key_jwt with a jwks_uri: the client’s keys fetched, never from inside the network for a self-registered client', () => {
  let jwksServer: Server;
  let base: string;
  let requests = 0;
  before(async () => {
    jwksServer = createServer((request, response) => {
      requests++;
      if (request.url === '/redirect') {
        response.writeHead(302, { location: '/jwks' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  it('verifies an assertion with keys fetched from the jwks_uri of a client the operator registered', async () => {
    requests = 0;
    const payload = (await verifyWith(clientWithJwksUri(`${base}/jwks`, false))) as { iss: string };
    assert.equal(payload.iss, 'app');
    assert.equal(requests, 1);
  });

  it('never fetches a self-registered client’s keys from a loopback address, by IP or by name', async () => {
    requests = 0;
    const port = new URL(base).port;
    for (const uri of [`${base}/jwks`, `http://localhost:${port}/jwks`]) {
      await assert.rejects(verifyWith(clientWithJwksUri(uri, true)), refused(/private address/), uri);
    }
    assert.equal(requests, 0, 'no request reached the private address');
  });

  it('follows no redirect: a jwks_uri answering 302 gives no keys', async () => {
    requests = 0;
    await assert.rejects(verifyWith(clientWithJwksUri(`${base}/redirect`, false)), refused(/200/));
    assert.equal(requests, 1);
  });
});

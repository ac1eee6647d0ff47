import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OAuthError } from '../src/errors.ts';
import { validateClientMetadata } from '../src/registration/client-metadata.ts';

const base = { redirect_uris: ['https://app.example.com/cb'] };
const refused = (code: string, pattern: RegExp) => (error: OAuthError) =>
  error.error === code && pattern.test(error.message);

describe('client metadata validation (RFC 7591 §2)', () => {
  it('fills in the defaults', () => {
    const validated = validateClientMetadata(base);
    assert.deepEqual(validated.grantTypes, ['authorization_code']);
    assert.equal(validated.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.equal(validated.idTokenSignedResponseAlg, 'ES256');
    assert.equal(validated.jwks, null);
    assert.equal(validated.dpopBoundAccessTokens, false);
  });

  it('accepts https, loopback http and private-use redirect URIs, and keeps informational members', () => {
    const validated = validateClientMetadata({
      redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1/cb', 'com.example.app:/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: 'My MCP client',
      client_uri: 'https://app.example.com',
      contacts: ['ops@example.com'],
      software_id: 'mcp-client',
    });
    assert.equal(validated.redirectUris.length, 3);
    assert.deepEqual(validated.informational, {
      client_uri: 'https://app.example.com',
      software_id: 'mcp-client',
      contacts: ['ops@example.com'],
    });
  });

  it('refuses fragments, javascript:, data:, plain http and relative redirect URIs', () => {
    for (const uri of [
      'https://app.example.com/cb#x',
      'javascript:alert(1)',
      'data:text/html,hi',
      'http://app.example.com/cb',
      '/cb',
      'myapp:/cb',
    ]) {
      assert.throws(
        () => validateClientMetadata({ redirect_uris: [uri] }),
        refused('invalid_redirect_uri', /./),
        uri,
      );
    }
  });

  it('requires redirect URIs for the code grant, not for client credentials', () => {
    assert.throws(() => validateClientMetadata({}), refused('invalid_redirect_uri', /required/));
    const machine = validateClientMetadata({ grant_types: ['client_credentials'], response_types: [] });
    assert.deepEqual(machine.redirectUris, []);
  });

  it('refuses unsupported or inconsistent grants, response types and auth methods', () => {
    assert.throws(
      () => validateClientMetadata({ ...base, grant_types: ['implicit'] }),
      refused('invalid_client_metadata', /implicit/),
    );
    assert.throws(
      () => validateClientMetadata({ ...base, response_types: ['token'] }),
      refused('invalid_client_metadata', /code/),
    );
    assert.throws(
      () =>
        validateClientMetadata({
          ...base,
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'none',
        }),
      refused('invalid_client_metadata', /none/),
    );
    assert.throws(
      () => validateClientMetadata({ ...base, token_endpoint_auth_method: 'client_secret_jwt' }),
      refused('invalid_client_metadata', /not supported/),
    );
  });

  it('handles client keys: required for private_key_jwt, jwks xor jwks_uri, public only', () => {
    assert.throws(
      () => validateClientMetadata({ ...base, token_endpoint_auth_method: 'private_key_jwt' }),
      refused('invalid_client_metadata', /jwks or jwks_uri/),
    );
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
    assert.deepEqual(
      validateClientMetadata({
        ...base,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key] },
      }).jwks,
      { keys: [key] },
    );
    assert.throws(
      () =>
        validateClientMetadata({ ...base, jwks: { keys: [key] }, jwks_uri: 'https://app.example.com/jwks' }),
      refused('invalid_client_metadata', /both/),
    );
    assert.throws(
      () => validateClientMetadata({ ...base, jwks: { keys: [{ ...key, d: 'secret' }] } }),
      refused('invalid_client_metadata', /public keys only/),
    );
    assert.throws(
      () => validateClientMetadata({ ...base, jwks_uri: 'http://app.example.com/jwks' }),
      refused('invalid_client_metadata', /https/),
    );
  });

  it('refuses a body that is not an object, and mistyped members', () => {
    assert.throws(() => validateClientMetadata([]), refused('invalid_client_metadata', /object/));
    assert.throws(
      () => validateClientMetadata({ redirect_uris: 'https://a.example/cb' }),
      refused('invalid_redirect_uri', /array/),
    );
    assert.throws(
      () => validateClientMetadata({ ...base, logo_uri: 'http://a.example/l.png' }),
      refused('invalid_client_metadata', /https/),
    );
    assert.throws(
      () => validateClientMetadata({ ...base, dpop_bound_access_tokens: 'yes' }),
      refused('invalid_client_metadata', /boolean/),
    );
  });
});

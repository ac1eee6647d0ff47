/**
 * Discovery says exactly what is on (issue 12, item 7): each optional feature appears in the
 * metadata when it is configured and is absent, or said to be off, when it is not. Pairwise
 * subjects and the claims parameter are on by default; pairwise can be turned off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuthorizationServerOptions, createAuthorizationServer, MemoryStore } from '@codegrant/server';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

async function metadataWith(
  options: Partial<AuthorizationServerOptions> = {},
): Promise<Record<string, unknown>> {
  const server = await createAuthorizationServer({
    issuer: 'https://id.example.com',
    store: new MemoryStore(),
    logger: () => {},
    ...options,
  });
  const response = await server.fetch(new Request('https://id.example.com/.well-known/openid-configuration'));
  return (await response.json()) as Record<string, unknown>;
}

describe('discovery advertises exactly what is on', () => {
  it('by default: PAR, request objects, pairwise subjects, the claims parameter, back-channel logout; no registration, no token exchange, no device grant, nothing not built', async () => {
    const metadata = await metadataWith();
    assert.equal(metadata.registration_endpoint, undefined);
    assert.equal(metadata.pushed_authorization_request_endpoint, 'https://id.example.com/par');
    assert.equal(metadata.require_pushed_authorization_requests, false);
    assert.equal(metadata.request_parameter_supported, true);
    assert.equal(metadata.request_uri_parameter_supported, false, 'request objects are not fetched by URL');
    assert.equal(metadata.claims_parameter_supported, true);
    for (const claim of ['sub', 'acr', 'name', 'preferred_username', 'email', 'email_verified']) {
      assert.ok((metadata.claims_supported as string[]).includes(claim), `${claim} can be asked for`);
    }
    assert.deepEqual(metadata.grant_types_supported, [
      'authorization_code',
      'refresh_token',
      'client_credentials',
    ]);
    assert.equal(metadata.backchannel_logout_supported, true);
    assert.equal(metadata.backchannel_logout_session_supported, true, 'logout tokens always carry sid');
    assert.ok((metadata.claims_supported as string[]).includes('sid'));
    for (const absent of [
      'device_authorization_endpoint',
      'frontchannel_logout_supported',
      'check_session_iframe',
    ]) {
      assert.equal(metadata[absent], undefined, `${absent} is not offered`);
    }
    assert.deepEqual(metadata.subject_types_supported, ['public', 'pairwise']);
  });

  it('without pairwise subjects: public only', async () => {
    const metadata = await metadataWith({ pairwiseSubjects: false });
    assert.deepEqual(metadata.subject_types_supported, ['public']);
    assert.equal(metadata.claims_parameter_supported, true, 'the claims parameter stays');
  });

  it('with each feature on: registration, PAR required, token exchange, the device grant', async () => {
    const metadata = await metadataWith({
      registration: 'open',
      requirePushedAuthorizationRequests: true,
      tokenExchange: {},
      deviceAuthorization: {},
    });
    assert.equal(metadata.device_authorization_endpoint, 'https://id.example.com/device_authorization');
    assert.ok((metadata.grant_types_supported as string[]).includes(DEVICE_CODE));
    assert.equal(metadata.registration_endpoint, 'https://id.example.com/register');
    assert.equal(metadata.require_pushed_authorization_requests, true);
    assert.ok((metadata.grant_types_supported as string[]).includes(TOKEN_EXCHANGE));
  });

  it('with back-channel logout off: neither it nor sid is advertised', async () => {
    const metadata = await metadataWith({ backchannelLogout: false });
    assert.equal(metadata.backchannel_logout_supported, undefined);
    assert.equal(metadata.backchannel_logout_session_supported, undefined);
    assert.ok(!(metadata.claims_supported as string[]).includes('sid'));
  });
});

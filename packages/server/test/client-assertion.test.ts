import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { verifyClientAssertion } from '../src/client-auth/client-assertion.ts';
import type { OAuthError } from '../src/errors.ts';

const ISSUER = 'https://id.example.com';
const TOKEN_ENDPOINT = `${ISSUER}/token`;
const now = 1_800_000_000;
const { privateKey, publicKey } = await generateKeyPair('ES256');
const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });

function assertion(claims: Record<string, unknown> = {}, key: CryptoKey = privateKey): Promise<string> {
  return new SignJWT({
    iss: 'app',
    sub: 'app',
    aud: TOKEN_ENDPOINT,
    iat: now,
    exp: now + 60,
    jti: crypto.randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .sign(key);
}

function expectations() {
  const seen = new Set<string>();
  return {
    clientId: 'app',
    keys,
    audiences: [ISSUER, TOKEN_ENDPOINT],
    now,
    rememberJti: async (jti: string) => !seen.has(jti) && Boolean(seen.add(jti)),
  };
}

const refused = (pattern: RegExp) => (error: OAuthError) =>
  error.error === 'invalid_client' && error.status === 401 && pattern.test(error.message);

describe('private_key_jwt client assertions (RFC 7523)', () => {
  it('accepts an assertion for the token endpoint or the issuer', async () => {
    await verifyClientAssertion(await assertion(), expectations());
    await verifyClientAssertion(await assertion({ aud: ISSUER }), expectations());
  });

  it('refuses a replayed jti', async () => {
    const expect = expectations();
    const once = await assertion({ jti: 'same' });
    await verifyClientAssertion(once, expect);
    await assert.rejects(verifyClientAssertion(once, expect), refused(/replay/));
  });

  it('refuses another audience, issuer or subject', async () => {
    await assert.rejects(
      verifyClientAssertion(await assertion({ aud: 'https://evil.example' }), expectations()),
      refused(/aud/),
    );
    await assert.rejects(
      verifyClientAssertion(await assertion({ iss: 'other' }), expectations()),
      refused(/iss/),
    );
    await assert.rejects(
      verifyClientAssertion(await assertion({ sub: 'other' }), expectations()),
      refused(/sub/),
    );
  });

  it('refuses an expired, long-lived or jti-less assertion', async () => {
    await assert.rejects(
      verifyClientAssertion(await assertion({ exp: now - 10 }), expectations()),
      refused(/exp/),
    );
    await assert.rejects(
      verifyClientAssertion(await assertion({ exp: now + 3600 }), expectations()),
      refused(/300 seconds/),
    );
    await assert.rejects(
      verifyClientAssertion(await assertion({ jti: undefined }), expectations()),
      refused(/jti/),
    );
  });

  it('refuses a signature by an unregistered key and an HMAC assertion', async () => {
    const other = await generateKeyPair('ES256');
    await assert.rejects(
      verifyClientAssertion(await assertion({}, other.privateKey), expectations()),
      refused(/signature/),
    );
    const hmac = await new SignJWT({ iss: 'app', sub: 'app', aud: TOKEN_ENDPOINT, exp: now + 60, jti: 'h' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
    await assert.rejects(verifyClientAssertion(hmac, expectations()), refused(/./));
  });
});

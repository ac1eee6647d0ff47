import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  calculatePKCECodeChallenge,
  type DuplicateParameterError,
  isValidCodeVerifier,
  isValidS256CodeChallenge,
  randomPKCECodeVerifier,
  randomToken,
  splitSpaceDelimited,
  uniqueParameters,
} from '@codegrant/protocol';

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 Appendix B', async () => {
    assert.equal(
      await calculatePKCECodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
  it('makes verifiers of valid syntax, all different', () => {
    const a = randomPKCECodeVerifier();
    assert.ok(isValidCodeVerifier(a));
    assert.equal(a.length, 43);
    assert.notEqual(a, randomPKCECodeVerifier());
  });
  it('refuses verifiers outside 43-128 unreserved characters', async () => {
    assert.equal(isValidCodeVerifier('a'.repeat(42)), false);
    assert.equal(isValidCodeVerifier('a'.repeat(129)), false);
    assert.equal(isValidCodeVerifier(`${'a'.repeat(42)}+`), false);
    await assert.rejects(calculatePKCECodeChallenge('short'), TypeError);
  });
  it('checks the syntax of S256 challenges', () => {
    assert.ok(isValidS256CodeChallenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'));
    assert.equal(isValidS256CodeChallenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM'), false);
    assert.equal(isValidS256CodeChallenge('abc'), false);
  });
});

describe('random values', () => {
  it('are base64url of the asked length', () => {
    assert.match(randomToken(), /^[A-Za-z0-9_-]{43}$/);
    assert.match(randomToken(48), /^[A-Za-z0-9_-]{64}$/);
  });
  it('refuse fewer than 128 bits', () => {
    assert.throws(() => randomToken(8), TypeError);
  });
});

describe('parameters', () => {
  it('turns unique parameters into a record, empty values as absent', () => {
    assert.deepEqual({ ...uniqueParameters(new URLSearchParams('a=1&b=&c=3')) }, { a: '1', c: '3' });
  });
  it('refuses a parameter sent twice, even empty', () => {
    assert.throws(
      () => uniqueParameters(new URLSearchParams('a=1&a=')),
      (error: DuplicateParameterError) => error.parameter === 'a',
    );
  });
  it('splits space-delimited lists without empties or repeats', () => {
    assert.deepEqual(splitSpaceDelimited('openid  profile openid'), ['openid', 'profile']);
    assert.deepEqual(splitSpaceDelimited(undefined), []);
  });
});

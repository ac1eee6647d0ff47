import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openSuccessor, sealSuccessor } from '../src/tokens/successor-seal.ts';

it('seals a refresh token successor that only the old token opens', () => {
  const sealed = sealSuccessor('old-token-value', 'successor-value');
  assert.ok(!sealed.includes('successor'));
  assert.equal(openSuccessor('old-token-value', sealed), 'successor-value');
  assert.equal(openSuccessor('another-token', sealed), null);
  assert.equal(openSuccessor('old-token-value', `${sealed.slice(0, -3)}AAA`), null);
  assert.equal(openSuccessor('old-token-value', 'garbage'), null);
  assert.notEqual(sealSuccessor('old-token-value', 'successor-value'), sealed, 'a fresh IV each time');
});

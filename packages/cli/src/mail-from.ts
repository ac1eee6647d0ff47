import type { Flag } from './options.ts';

/** `--mail-from`: the `From` of the identity provider's mail (`serve`, `mail test`). */
export const mailFromFlag = {
  name: 'mail-from',
  type: 'string',
  placeholder: 'ADDRESS',
  description: 'the From address of the mail the identity provider sends',
  default: 'codegrant <no-reply@localhost>',
} as const satisfies Flag;

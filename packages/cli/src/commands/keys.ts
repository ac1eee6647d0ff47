import { KeyEncryption, rotateSigningKeys } from '@codegrant/server';
import type { Command, CommandGroup } from '../command.ts';
import { jsonFlag, printRecords } from '../listing.ts';
import { dbFlag, openStore } from '../open-store.ts';

const listCommand: Command = {
  name: 'keys list',
  summary: 'list the signing keys',
  details: [
    'Every key the JWKS publishes: active ones sign, retired ones only verify what they signed until',
    'it has expired, then `serve` deletes them. With --json one object per line.',
  ].join('\n'),
  arguments: [],
  flags: [jsonFlag, dbFlag],
  async run(args) {
    const { store } = await openStore(args);
    try {
      const keys = await store.listSigningKeys();
      const records = keys.map((key) => ({
        kid: key.kid,
        alg: key.alg,
        status: key.retiredAt === null ? 'active' : 'retired',
        encrypted: key.privateJwk.startsWith('enc:'),
        created_at: new Date(key.createdAt * 1000).toISOString(),
        retired_at: key.retiredAt === null ? null : new Date(key.retiredAt * 1000).toISOString(),
      }));
      printRecords(
        records,
        ['kid', 'alg', 'status', 'encrypted', 'created_at', 'retired_at'],
        args.boolean(jsonFlag.name),
      );
    } finally {
      await store.close();
    }
  },
};

const rotateCommand: Command = {
  name: 'keys rotate',
  summary: 'start signing with new keys; retire the current ones',
  details: [
    'Creates a new ES256 and RS256 key and retires the active ones, which stay published until',
    'nothing they signed is valid. Running servers pick the new keys up within a minute. With',
    'CODEGRANT_KEY_SECRET set, the new private keys are stored encrypted.',
  ].join('\n'),
  arguments: [],
  flags: [dbFlag],
  async run(args) {
    const secret = process.env.CODEGRANT_KEY_SECRET;
    const { store, description } = await openStore(args);
    try {
      const now = Math.floor(Date.now() / 1000);
      const created = await rotateSigningKeys(store, now, secret ? new KeyEncryption(secret) : undefined);
      for (const key of created) process.stdout.write(`${key.alg} ${key.kid}\n`);
      process.stderr.write(`rotated the signing keys of the ${description}\n`);
    } finally {
      await store.close();
    }
  },
};

/** `codegrant keys list|rotate`: the signing keys every process shares through the store. */
export const keysCommands: CommandGroup = {
  name: 'keys',
  summary: 'manage the signing keys',
  commands: [listCommand, rotateCommand],
};

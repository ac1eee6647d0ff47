import type { Command } from '../command.ts';
import { dbFlag, openStore } from '../open-store.ts';

/** `codegrant migrate`: brings the database schema up to date. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'bring the database schema up to date',
  details: [
    'Applies the migrations the database lacks; safe to run any number of times, also while servers',
    'run. `serve` and the other commands migrate on start too: run this to migrate ahead of a deploy.',
  ].join('\n'),
  arguments: [],
  flags: [dbFlag],
  async run(args) {
    // Opening migrates.
    const { store, description } = await openStore(args);
    await store.close();
    process.stdout.write(`${description} is up to date\n`);
  },
};

import { randomUUID } from 'node:crypto';
import { hashPassword, type UserRecord } from '@codegrant/server';
import type { Command, CommandGroup } from '../command.ts';
import { CliError } from '../errors.ts';
import { jsonFlag, printRecords } from '../listing.ts';
import { dbFlag, openStore } from '../open-store.ts';

const MIN_PASSWORD_LENGTH = 8;

const addCommand: Command = {
  name: 'users add',
  summary: 'add an end-user account',
  details: [
    'The password is stored as an scrypt hash. A flag is visible to other local users (ps) and kept',
    'in shell history: prefer setting CODEGRANT_PASSWORD. The new user id (the `sub` claim) is printed.',
  ].join('\n'),
  arguments: [{ name: 'USERNAME', description: 'the login name, unique' }],
  flags: [
    {
      name: 'password',
      type: 'string',
      placeholder: 'PW',
      description: `the password, at least ${MIN_PASSWORD_LENGTH} characters`,
      required: true,
    },
    {
      name: 'email',
      type: 'string',
      placeholder: 'E',
      description: 'the email address (claim email, not verified)',
    },
    { name: 'name', type: 'string', placeholder: 'N', description: 'the full name (claim name)' },
    dbFlag,
  ],
  async run(args) {
    const [username = ''] = args.positionals;
    const password = args.string('password') ?? '';
    const email = args.string('email') ?? null;
    if (username.trim() !== username || username === '' || hasControlCharacters(username)) {
      throw new CliError(`the username "${username}" is empty, has surrounding spaces or control characters`);
    }
    if ([...password].length < MIN_PASSWORD_LENGTH) {
      throw new CliError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email))
      throw new CliError(`"${email}" is not an email address`);

    const { store, description } = await openStore(args);
    try {
      if (await store.findUserByUsername(username)) {
        throw new CliError(`a user named "${username}" already exists in the ${description}`);
      }
      const now = Math.floor(Date.now() / 1000);
      const user: UserRecord = {
        id: randomUUID(),
        username,
        passwordHash: await hashPassword(password),
        email,
        emailVerified: false,
        name: args.string('name') ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await store.insertUser(user);
      process.stdout.write(`added user ${username} with id ${user.id}\n`);
    } finally {
      await store.close();
    }
  },
};

const listCommand: Command = {
  name: 'users list',
  summary: 'list the end-user accounts',
  details:
    'A table by default; with --json one object per line: id, username, email, email_verified, name, created_at.',
  arguments: [],
  flags: [jsonFlag, dbFlag],
  async run(args) {
    const { store } = await openStore(args);
    try {
      const users = await store.listUsers();
      const records = users.map((user) => ({
        id: user.id,
        username: user.username,
        email: user.email,
        email_verified: user.emailVerified,
        name: user.name,
        created_at: new Date(user.createdAt * 1000).toISOString(),
      }));
      printRecords(records, ['username', 'id', 'email', 'name', 'created_at'], args.boolean(jsonFlag.name));
    } finally {
      await store.close();
    }
  },
};

const removeCommand: Command = {
  name: 'users remove',
  summary: 'remove an end-user account',
  arguments: [{ name: 'USERNAME', description: 'the login name of the account' }],
  flags: [dbFlag],
  async run(args) {
    const [username = ''] = args.positionals;
    const { store, description } = await openStore(args);
    try {
      if (!(await store.deleteUser(username)))
        throw new CliError(`no user named "${username}" in the ${description}`);
      process.stdout.write(`removed user ${username}\n`);
    } finally {
      await store.close();
    }
  },
};

/** `codegrant users add|list|remove`: the end-user accounts of the built-in login page. */
export const usersCommands: CommandGroup = {
  name: 'users',
  summary: 'manage end-user accounts',
  commands: [addCommand, listCommand, removeCommand],
};

function hasControlCharacters(text: string): boolean {
  return /\p{Cc}/u.test(text);
}

import { randomUUID } from 'node:crypto';
import {
  hashPassword,
  resetSecondFactors,
  type Store,
  setUserDisabled,
  type UserRecord,
} from '@codegrant/server';
import type { Command, CommandGroup } from '../command.ts';
import { CliError } from '../errors.ts';
import { jsonFlag, printRecords } from '../listing.ts';
import { dbFlag, openStore } from '../open-store.ts';
import type { Flag, ParsedArgs } from '../options.ts';

const MIN_PASSWORD_LENGTH = 8;

/** `--password` of `users add` and `users set-password`. */
const passwordFlag: Flag = {
  name: 'password',
  type: 'string',
  placeholder: 'PW',
  description: `the password, at least ${MIN_PASSWORD_LENGTH} characters`,
  required: true,
};

/** The argument naming an existing account. */
const existingUsername = { name: 'USERNAME', description: 'the login name of the account' };

const addCommand: Command = {
  name: 'users add',
  summary: 'add an end-user account',
  details: [
    'The password is stored as an scrypt hash. A flag is visible to other local users (ps) and kept',
    'in shell history: prefer setting CODEGRANT_PASSWORD. The new user id (the `sub` claim) is printed.',
  ].join('\n'),
  arguments: [{ name: 'USERNAME', description: 'the login name, unique' }],
  flags: [
    passwordFlag,
    {
      name: 'email',
      type: 'string',
      placeholder: 'E',
      description: 'the email address (claim email, not verified unless --email-verified)',
    },
    {
      name: 'email-verified',
      type: 'boolean',
      description: 'the email address is known to be the user’s (claim email_verified true); needs --email',
    },
    { name: 'name', type: 'string', placeholder: 'N', description: 'the full name (claim name)' },
    {
      name: 'admin',
      type: 'boolean',
      description: 'an administrator: may sign in to the admin console (serve --admin-console)',
    },
    dbFlag,
  ],
  async run(args) {
    const [username = ''] = args.positionals;
    const password = args.string('password') ?? '';
    const email = args.string('email') ?? null;
    const emailVerified = args.boolean('email-verified');
    if (username.trim() !== username || username === '' || hasControlCharacters(username)) {
      throw new CliError(`the username "${username}" is empty, has surrounding spaces or control characters`);
    }
    checkPassword(password);
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email))
      throw new CliError(`"${email}" is not an email address`);
    if (emailVerified && email === null) throw new CliError('--email-verified needs --email');

    const { store, description } = await openStore(args);
    try {
      if (await store.findUserByUsername(username)) {
        throw new CliError(`a user named "${username}" already exists in the ${description}`);
      }
      const now = nowSeconds();
      const user: UserRecord = {
        id: randomUUID(),
        username,
        passwordHash: await hashPassword(password),
        email,
        emailVerified,
        name: args.string('name') ?? null,
        admin: args.boolean('admin'),
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await store.insertUser(user);
      process.stdout.write(`added ${user.admin ? 'administrator' : 'user'} ${username} with id ${user.id}\n`);
    } finally {
      await store.close();
    }
  },
};

const listCommand: Command = {
  name: 'users list',
  summary: 'list the end-user accounts',
  details:
    'A table by default; with --json one object per line: id, username, email, email_verified, name, admin, disabled, created_at.',
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
        admin: user.admin,
        disabled: user.disabledAt !== null,
        created_at: new Date(user.createdAt * 1000).toISOString(),
      }));
      printRecords(
        records,
        ['username', 'id', 'email', 'email_verified', 'name', 'admin', 'disabled', 'created_at'],
        args.boolean(jsonFlag.name),
      );
    } finally {
      await store.close();
    }
  },
};

const removeCommand: Command = {
  name: 'users remove',
  summary: 'remove an end-user account',
  arguments: [existingUsername],
  flags: [dbFlag],
  async run(args) {
    const [username = ''] = args.positionals;
    const { store, description } = await openStore(args);
    try {
      if (!(await store.deleteUser(username))) throw gone(username, description);
      process.stdout.write(`removed user ${username}\n`);
    } finally {
      await store.close();
    }
  },
};

const verifyEmailCommand: Command = {
  name: 'users verify-email',
  summary: "mark an account's email address as verified",
  details: [
    'For an address known to be the user’s by other means: its claim email_verified becomes true, and',
    'serve with --require-verified-email lets the account finish signing in.',
  ].join('\n'),
  arguments: [existingUsername],
  flags: [dbFlag],
  async run(args) {
    await withUser(args, async (store, user, description) => {
      const { username } = user;
      if (user.email === null) throw new CliError(`the user "${username}" has no email address`);
      if (user.emailVerified) {
        process.stdout.write(`the email address ${user.email} of ${username} was already verified\n`);
        return;
      }
      if (!(await store.updateUser({ ...user, emailVerified: true, updatedAt: nowSeconds() }))) {
        throw gone(username, description);
      }
      process.stdout.write(`verified the email address ${user.email} of ${username}\n`);
    });
  },
};

const setPasswordCommand: Command = {
  name: 'users set-password',
  summary: "set an account's password, ending its sessions and grants",
  details: [
    'The password is stored as an scrypt hash (prefer CODEGRANT_PASSWORD to the flag, as for users add).',
    'Every session of the account ends and every grant of theirs is revoked: apps must sign the user in',
    'again, with the new password.',
  ].join('\n'),
  arguments: [existingUsername],
  flags: [passwordFlag, dbFlag],
  async run(args) {
    const password = args.string('password') ?? '';
    checkPassword(password);
    await withUser(args, async (store, user, description) => {
      const { username } = user;
      const now = nowSeconds();
      const passwordHash = await hashPassword(password);
      if (!(await store.updateUser({ ...user, passwordHash, updatedAt: now })))
        throw gone(username, description);
      await store.revokeUserAccess(user.id, now);
      process.stdout.write(
        `set the password of ${username}; ended every session and revoked every grant of the account\n`,
      );
    });
  },
};

const resetMfaCommand: Command = {
  name: 'users reset-mfa',
  summary: "remove an account's second factors (a lost phone)",
  details: [
    'Deletes the authenticator app, the recovery codes and the passkeys of the account: it signs in with',
    'its password alone until it sets them up again on /account. Check who is asking first: this is',
    'what an attacker holding only the password would ask for.',
  ].join('\n'),
  arguments: [existingUsername],
  flags: [dbFlag],
  async run(args) {
    await withUser(args, async (store, user) => {
      const { username } = user;
      const { passkeys, removed } = await resetSecondFactors(store, user.id);
      process.stdout.write(
        removed
          ? `removed the two-step verification and ${passkeys} passkey(s) of ${username}: it signs in with its password alone\n`
          : `${username} had no two-step verification\n`,
      );
    });
  },
};

/** `users disable` and `users enable`: one command each, the same work. */
function disableCommand(disabled: boolean): Command {
  return {
    name: disabled ? 'users disable' : 'users enable',
    summary: disabled
      ? 'stop an account from signing in, ending its sessions and grants'
      : 'let a disabled account sign in again',
    arguments: [existingUsername],
    flags: [dbFlag],
    async run(args) {
      await withUser(args, async (store, user, description) => {
        if (!(await setUserDisabled(store, user, disabled, nowSeconds())))
          throw gone(user.username, description);
        process.stdout.write(
          disabled
            ? `disabled ${user.username}: it cannot sign in; its sessions ended and its grants are revoked\n`
            : `enabled ${user.username}: it can sign in again\n`,
        );
      });
    },
  };
}

/** `users make-admin` and `users remove-admin`. */
function adminCommand(admin: boolean): Command {
  return {
    name: admin ? 'users make-admin' : 'users remove-admin',
    summary: admin
      ? 'let an account sign in to the admin console'
      : 'take the admin console away from an account',
    arguments: [existingUsername],
    flags: [dbFlag],
    async run(args) {
      await withUser(args, async (store, user, description) => {
        if (!(await store.updateUser({ ...user, admin, updatedAt: nowSeconds() }))) {
          throw gone(user.username, description);
        }
        process.stdout.write(`${user.username} is ${admin ? 'now' : 'no longer'} an administrator\n`);
      });
    },
  };
}

/** `codegrant users …`: the end-user accounts of the built-in login page. */
export const usersCommands: CommandGroup = {
  name: 'users',
  summary: 'manage end-user accounts',
  commands: [
    addCommand,
    listCommand,
    removeCommand,
    verifyEmailCommand,
    setPasswordCommand,
    resetMfaCommand,
    disableCommand(true),
    disableCommand(false),
    adminCommand(true),
    adminCommand(false),
  ],
};

/** @throws {CliError} when the password is too short for `users add` and `users set-password` */
function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new CliError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

/**
 * Runs `action` on the user named by the command's USERNAME, the store open around it.
 *
 * @throws {CliError} when there is no such user
 */
async function withUser(
  args: ParsedArgs,
  action: (store: Store, user: UserRecord, description: string) => Promise<void>,
): Promise<void> {
  const [username = ''] = args.positionals;
  const { store, description } = await openStore(args);
  try {
    await action(store, await findUser(store, username, description), description);
  } finally {
    await store.close();
  }
}

/** @throws {CliError} when there is no user named `username` */
async function findUser(store: Store, username: string, description: string): Promise<UserRecord> {
  const user = await store.findUserByUsername(username);
  if (!user) throw gone(username, description);
  return user;
}

function gone(username: string, description: string): CliError {
  return new CliError(`no user named "${username}" in the ${description}`);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function hasControlCharacters(text: string): boolean {
  return /\p{Cc}/u.test(text);
}

/**
 * `codegrant serve` as an operator runs it for a relying party nobody here wrote: a fresh SQLite
 * database, one end-user added with `users add`, the relying parties registered with `clients add`,
 * then the server started. Everything goes through the executable, as the README says to.
 */
import assert from 'node:assert/strict';
import { codegrant, freePort, freshDb, type Serving, startServe, stopServe } from '../../helpers/cli.ts';

/** The end-user who signs in: what `users add` was given, and the `sub` it printed. */
export interface RegisteredUser {
  username: string;
  password: string;
  email: string;
  name: string;
  sub: string;
}

/** A running identity provider and what was registered in it. */
export interface IdentityProvider {
  issuer: string;
  /** The first of `users`. */
  user: RegisteredUser;
  users: RegisteredUser[];
  /** The credentials `clients add` printed, by the name the test gave each registration. */
  clients: Record<string, { client_id: string; client_secret: string }>;
  serving: Serving;
  stop(): Promise<void>;
}

/**
 * Registers the end-users (by login name; each gets a password, an email and a name) and the
 * clients (each entry: the extra `clients add` flags, such as `--redirect-uri`), then starts
 * `codegrant serve` on a free port with the issuer on 127.0.0.1.
 */
export async function startIdentityProvider(
  clients: Record<string, string[]>,
  options: { users?: string[]; serveFlags?: string[] } = {},
): Promise<IdentityProvider> {
  const db = freshDb();
  const users: RegisteredUser[] = [];
  for (const username of options.users ?? ['kate']) {
    const user = {
      username,
      password: `${username} has a long password`,
      email: `${username}@example.com`,
      name: `${username[0]!.toUpperCase()}${username.slice(1)} Bell`,
    };
    const added = await codegrant(
      ['users', 'add', username, '--email', user.email, '--name', user.name, '--db', db],
      { env: { CODEGRANT_PASSWORD: user.password } },
    );
    assert.equal(added.code, 0, added.stderr);
    const sub = /with id (\S+)/.exec(added.stdout)?.[1];
    assert.ok(sub, added.stdout);
    users.push({ ...user, sub });
  }

  const credentials: IdentityProvider['clients'] = {};
  for (const [name, flags] of Object.entries(clients)) {
    const result = await codegrant(['clients', 'add', '--name', name, ...flags, '--db', db]);
    assert.equal(result.code, 0, result.stderr);
    credentials[name] = JSON.parse(result.stdout);
  }

  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const serving = await startServe([
    ...['--port', String(port), '--issuer', issuer, '--db', db, '--log', 'off'],
    ...(options.serveFlags ?? []),
  ]);
  return { issuer, user: users[0]!, users, clients: credentials, serving, stop: () => stopServe(serving) };
}

/**
 * The demo user and the demo client of the dev setup, created on first run and found again on
 * every later one.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { randomToken } from '@codegrant/protocol';
import {
  type ClientRecord,
  hashPassword,
  newClientRecord,
  type Store,
  sha256,
  verifyPassword,
} from '@codegrant/server';

/** The demo account. Its password is documented on purpose: the dev setup listens on localhost only. */
export const DEMO_ACCOUNT = { username: 'demo', password: 'demo-password' } as const;

/** The `client_id` of the demo web app. */
export const DEMO_CLIENT_ID = 'demo-web-app';

/** What {@link ensureDemoClient} did: registered the client, found it as wanted, or registered it anew. */
export type ClientRegistration = 'created' | 'reused' | 'replaced';

/**
 * Creates the demo user, an administrator, unless a user of that name exists.
 *
 * @returns whether it was created, and whether the documented password signs it in (an operator
 *   may have replaced the user)
 */
export async function ensureDemoUser(store: Store): Promise<{ created: boolean; passwordWorks: boolean }> {
  const existing = await store.findUserByUsername(DEMO_ACCOUNT.username);
  if (existing) {
    return {
      created: false,
      passwordWorks: await verifyPassword(DEMO_ACCOUNT.password, existing.passwordHash),
    };
  }
  const now = Math.floor(Date.now() / 1000);
  await store.insertUser({
    id: randomUUID(),
    username: DEMO_ACCOUNT.username,
    passwordHash: await hashPassword(DEMO_ACCOUNT.password),
    email: 'demo@example.com',
    emailVerified: true,
    name: 'Demo User',
    // The demo shows the admin console too: the demo user may use it.
    admin: true,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  });
  return { created: true, passwordWorks: true };
}

/**
 * Where the demo client's secret is kept: next to the database, named after it
 * (`./codegrant.db` → `./codegrant-demo.json`). The store keeps only the secret's hash, so without
 * this file a restart could not authenticate the client.
 */
export function demoClientFile(dbPath: string): string {
  return path.join(path.dirname(dbPath), `${path.basename(dbPath, path.extname(dbPath))}-demo.json`);
}

/**
 * Makes sure the demo client is registered as the demo app needs it: a confidential client with
 * `redirectUri`, whose secret is the one saved in `file` (generated and saved on first run).
 * A registration that differs (another redirect URI after a port change, a lost secret file) is
 * replaced, which also drops the client's grants and consents.
 *
 * @returns the client secret, and what was done
 * @throws {Error} when `file` exists but is not a demo client file
 */
export async function ensureDemoClient(
  store: Store,
  options: { redirectUri: string; file: string },
): Promise<{ clientSecret: string; registration: ClientRegistration }> {
  let clientSecret = await readSavedSecret(options.file);
  if (clientSecret === undefined) {
    clientSecret = randomToken(32);
    // Saved before it is registered: the secret must never exist only as a hash.
    const saved = { client_id: DEMO_CLIENT_ID, client_secret: clientSecret };
    await writeFile(options.file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  }
  const now = Math.floor(Date.now() / 1000);
  const existing = await store.findClient(DEMO_CLIENT_ID);
  const wanted = demoClient(sha256(clientSecret), options.redirectUri, existing?.createdAt ?? now);
  if (existing && isDeepStrictEqual(existing, wanted)) return { clientSecret, registration: 'reused' };
  // The store has no update: replace the registration.
  if (existing) await store.deleteClient(DEMO_CLIENT_ID);
  await store.insertClient({ ...wanted, createdAt: now });
  return { clientSecret, registration: existing ? 'replaced' : 'created' };
}

function demoClient(clientSecretHash: string, redirectUri: string, createdAt: number): ClientRecord {
  return newClientRecord({
    clientId: DEMO_CLIENT_ID,
    clientSecretHash,
    name: 'codegrant demo web app',
    redirectUris: [redirectUri],
    // Third-party (the default), so that the demo shows the consent page (once: it is remembered);
    // a refresh token only with offline_access, as OpenID Connect Core §11 has it.
    createdAt,
  });
}

async function readSavedSecret(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    saved = undefined;
  }
  const { client_id: clientId, client_secret: secret } = (saved ?? {}) as Record<string, unknown>;
  if (clientId !== DEMO_CLIENT_ID || typeof secret !== 'string' || secret.length < 32) {
    throw new Error(
      `${file} is not a demo client file ({"client_id": "${DEMO_CLIENT_ID}", "client_secret": "…"}); delete it to start over`,
    );
  }
  return secret;
}

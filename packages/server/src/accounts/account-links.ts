import type { ServerContext } from '../context.ts';
import type { AccountTokenPurpose, AccountTokenRecord } from '../store/store.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

type Context = Pick<ServerContext, 'store' | 'issuer' | 'lifetimes'>;

/** Where each kind of link leads: sign-up and verification share the confirm page. */
const PATHS: Record<AccountTokenPurpose, string> = {
  'sign-up': '/account/confirm',
  'verify-email': '/account/confirm',
  'reset-password': '/account/reset-password',
};

/** What a new link records besides its hash and times. */
export type AccountLinkFields = Omit<AccountTokenRecord, 'hash' | 'createdAt' | 'expiresAt' | 'consumedAt'>;

/**
 * Creates a single-use link: 256 random bits in the URL, only their SHA-256 in the store, valid
 * for `lifetimes.passwordReset` (reset) or `lifetimes.emailVerification` (the others).
 *
 * @returns the URL to mail
 */
export async function createAccountLink(
  context: Context,
  fields: AccountLinkFields,
  now: number,
): Promise<string> {
  const value = randomValue();
  const lifetime =
    fields.purpose === 'reset-password'
      ? context.lifetimes.passwordReset
      : context.lifetimes.emailVerification;
  await context.store.insertAccountToken({
    ...fields,
    hash: sha256(value),
    createdAt: now,
    expiresAt: now + lifetime,
    consumedAt: null,
  });
  const url = new URL(`${context.issuer}${PATHS[fields.purpose]}`);
  url.searchParams.set('token', value);
  return url.href;
}

/**
 * The link record behind a token value, if it is of one of `purposes`, unused and unexpired
 * (looking does not use it; {@link Store.consumeAccountToken} does).
 */
export async function findUsableLink(
  context: Pick<Context, 'store'>,
  token: string | undefined | null,
  purposes: AccountTokenPurpose[],
  now: number,
): Promise<AccountTokenRecord | null> {
  if (!token || token.length > 128) return null;
  const record = await context.store.findAccountToken(sha256(token));
  if (!record || !purposes.includes(record.purpose)) return null;
  return record.consumedAt === null && record.expiresAt > now ? record : null;
}

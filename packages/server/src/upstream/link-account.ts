import { randomUUID } from 'node:crypto';
import { maskEmailAddress, usernameForEmail } from '../accounts/email-address.ts';
import type { ServerContext } from '../context.ts';
import { randomValue } from '../tokens/random.ts';
import type { UpstreamProvider } from './providers.ts';

type Context = Pick<ServerContext, 'store'>;

/** Who the upstream provider says signed in. */
export interface UpstreamIdentity {
  subject: string;
  email: string | null;
  /** The provider vouches for the address (OpenID `email_verified`, or `emailsVerified` of a plain OAuth 2.0 one). */
  emailVerified: boolean;
  name: string | null;
}

/**
 * The account an upstream identity signs in to:
 * 1. the one it is linked to;
 * 2. with `linkByVerifiedEmail`, the one account here whose verified address the provider verified
 *    too (then it is linked);
 * 3. none when an account here has the address but cannot be linked: that person signs in with it
 *    (no second account per address, and no taking one over through a provider);
 * 4. with `createAccounts`, a new account (no password), linked.
 *
 * @returns the user id, or why the sign-in is refused (for the person)
 */
export async function accountForUpstreamIdentity(
  context: Context,
  provider: UpstreamProvider,
  identity: UpstreamIdentity,
  now: number,
): Promise<{ userId: string } | { refused: string }> {
  const providerId = provider.options.id;
  const linked = await context.store.findUpstreamIdentity(providerId, identity.subject);
  if (linked) {
    await context.store.touchUpstreamIdentity(providerId, identity.subject, identity.email, now);
    return { userId: linked.userId };
  }
  const sameAddress = identity.email ? await context.store.findUsersByEmail(identity.email) : [];
  if (identity.email && sameAddress.length > 0) {
    const verifiedHere = sameAddress.filter((user) => user.emailVerified);
    if (provider.options.linkByVerifiedEmail && identity.emailVerified && verifiedHere.length === 1) {
      const userId = verifiedHere[0]!.id;
      await link(context, providerId, identity, userId, now);
      return { userId };
    }
    return {
      refused: `An account here already uses ${maskEmailAddress(identity.email)}. Sign in with it instead (your ${provider.options.name} sign-in is not linked to it).`,
    };
  }
  if (!provider.options.createAccounts) {
    return { refused: `There is no account here for your ${provider.options.name} sign-in.` };
  }
  const userId = randomUUID();
  await context.store.insertUser({
    id: userId,
    username: await freeUsername(context, identity, providerId),
    // No password: this account signs in through the provider (a reset link can give it one).
    passwordHash: '',
    email: identity.email,
    emailVerified: identity.email !== null && identity.emailVerified,
    name: identity.name,
    admin: false,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await link(context, providerId, identity, userId, now);
  return { userId };
}

function link(context: Context, provider: string, identity: UpstreamIdentity, userId: string, now: number) {
  return context.store.insertUpstreamIdentity({
    provider,
    subject: identity.subject,
    userId,
    email: identity.email,
    createdAt: now,
    lastUsedAt: now,
  });
}

/** The address in lower case when free (as a self-made account would be named), else the provider's name and a random suffix. */
async function freeUsername(context: Context, identity: UpstreamIdentity, provider: string): Promise<string> {
  if (identity.email && !(await context.store.findUserByUsername(usernameForEmail(identity.email)))) {
    return usernameForEmail(identity.email);
  }
  return `${provider}-${randomValue(6)}`;
}

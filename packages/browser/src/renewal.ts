import type { Context } from './context.ts';
import { sha256 } from './hash.ts';
import { refreshUser } from './refresh.ts';
import { openSuccessor, sealSuccessor } from './successor.ts';
import type { TabMessage, Tabs } from './tabs.ts';
import { User } from './user.ts';

/** @internal What a renewal needs of its UserManager. */
export interface RenewalHost {
  /** The user in the store. */
  read(): Promise<User | null>;
  /** Stores a user and makes it the current one (timers, `userLoaded`). */
  adopt(user: User): Promise<void>;
  /** The user the timers run for. */
  current(): User | null;
  /** Removes the user: another tab signed them out. */
  signedOut(): Promise<void>;
  context(): Promise<Context>;
}

/**
 * @internal Renews `user` with their refresh token, one tab at a time. Under the lock, a tab first
 * looks whether another renewed the same token meanwhile — the store has a newer user (a shared
 * store), or a sealed successor waits (see `successor.ts`) — and takes that user instead of
 * presenting a rotated token, which the identity provider would take for a stolen one and answer by
 * revoking the grant (RFC 9700 §4.14.2). A rotation is sealed for the other holders and announced
 * on the channel.
 */
export function renewAcrossTabs(tabs: Tabs, host: RenewalHost, user: User): Promise<User> {
  return tabs.exclusive(async () => {
    const latest = await latestRenewal(user, await host.read());
    if (latest && !latest.expired) {
      await host.adopt(latest);
      return latest;
    }
    const current = latest ?? user;
    const renewed = await refreshUser(await host.context(), current);
    if (renewed.refresh_token !== current.refresh_token) {
      const sealed = renewed.toStorageString();
      await sealSuccessor(current.refresh_token!, sealed);
      tabs.post({ type: 'renewed', previous: await sha256(current.refresh_token!), user: sealed });
    }
    await host.adopt(renewed);
    return renewed;
  });
}

/** The newest user another tab renewed `user`'s refresh token into, following chains of rotations. */
async function latestRenewal(user: User, stored: User | null): Promise<User | undefined> {
  let latest =
    stored && stored.refresh_token !== user.refresh_token && stored.profile.sub === user.profile.sub
      ? stored
      : undefined;
  for (let token = (latest ?? user).refresh_token; token; ) {
    const next = await openSuccessor(token);
    if (!next) break;
    latest = User.fromStorageString(next);
    token = latest.refresh_token === token ? undefined : latest.refresh_token;
  }
  return latest;
}

/**
 * @internal What another tab said: a renewal of the refresh token this tab holds is taken at once
 * (with a shared store, the user is already there: only the timers move); a sign-out of the tokens
 * this tab holds — or of the user of a shared store — signs this tab out.
 */
export async function onTabMessage(host: RenewalHost, message: TabMessage): Promise<void> {
  const mine = await host.read();
  if (message.type === 'renewed') {
    if (!mine?.refresh_token) return;
    const renewed = User.fromStorageString(message.user);
    if (mine.refresh_token === renewed.refresh_token) {
      if (host.current()?.access_token !== mine.access_token) await host.adopt(mine);
    } else if ((await sha256(mine.refresh_token)) === message.previous) {
      await host.adopt(renewed);
    }
    return;
  }
  const tokens = await Promise.all(
    [mine?.access_token, mine?.refresh_token].filter(Boolean).map((t) => sha256(t!)),
  );
  if (tokens.some((token) => message.tokens.includes(token)) || (!mine && host.current()))
    await host.signedOut();
}

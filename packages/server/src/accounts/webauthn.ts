import { createHmac } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { ServerContext } from '../context.ts';
import type { PasskeyRecord, Store, UserRecord } from '../store/store.ts';
import { constantTimeEqual, sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

type Context = Pick<ServerContext, 'store' | 'issuerUrl' | 'now'>;

/**
 * What a challenge was made for: adding a passkey to an account, signing in with one (the user is
 * found by the passkey), or a passkey as the second factor of a pending sign-in.
 */
export type ChallengePurpose = 'register' | 'sign-in' | 'second-factor';

/** How long the browser has to use a challenge (WebAuthn's own timeout is 60 s; people are slower). */
const CHALLENGE_SECONDS = 300;

/** The HMAC key of challenges, shared by every process through the store; read once per store. */
const challengeKeys = new WeakMap<Store, Promise<string>>();

function challengeKey(store: Store): Promise<string> {
  let key = challengeKeys.get(store);
  if (!key) {
    key = store.sharedValue('webauthn-challenge-key', randomValue());
    challengeKeys.set(store, key);
  }
  return key;
}

/**
 * A challenge that needs no storage: random, with its purpose, its subject (the user or the
 * interaction) and its expiry, signed with the shared key. Any process can check it; using it
 * records it once in the store, so it cannot be replayed (WebAuthn §13.4.3).
 */
async function newChallenge(context: Context, purpose: ChallengePurpose, subject: string): Promise<string> {
  const payload = `${purpose}.${subject}.${context.now() + CHALLENGE_SECONDS}.${randomValue(16)}`;
  const mac = createHmac('sha256', await challengeKey(context.store))
    .update(payload)
    .digest('base64url');
  return `${payload}.${mac}`;
}

/** The check `@simplewebauthn/server` runs on the challenge the browser signed (base64url of our string). */
function challengeCheck(
  context: Context,
  purpose: ChallengePurpose,
  subject: string,
): (challenge: string) => Promise<boolean> {
  return async (challenge) => {
    const value = Buffer.from(challenge, 'base64url').toString('utf8');
    const parts = value.split('.');
    if (parts.length !== 5) return false;
    const [kind, owner, expires, , mac] = parts as [string, string, string, string, string];
    const payload = value.slice(0, value.lastIndexOf('.'));
    const expected = createHmac('sha256', await challengeKey(context.store))
      .update(payload)
      .digest('base64url');
    const now = context.now();
    if (
      !constantTimeEqual(mac, expected) ||
      kind !== purpose ||
      owner !== subject ||
      Number(expires) <= now
    ) {
      return false;
    }
    return context.store.rememberOnce(`webauthn:${sha256(value)}`, Number(expires), now);
  };
}

/** The relying party: our host name and origin (WebAuthn binds every passkey to them). */
function relyingParty(context: Pick<Context, 'issuerUrl'>): { id: string; origin: string; name: string } {
  return { id: context.issuerUrl.hostname, origin: context.issuerUrl.origin, name: context.issuerUrl.host };
}

/**
 * Options for adding a passkey: discoverable (so it signs in without a username), user
 * verification required (a PIN or biometric: the passkey alone is two factors), no attestation
 * (we trust no vendor list; the key's behaviour is what we check), the user's passkeys excluded.
 */
export async function registrationOptions(
  context: Context,
  user: UserRecord,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(context);
  const passkeys = await context.store.listPasskeys(user.id);
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: Buffer.from(user.id, 'utf8'),
    userDisplayName: user.name ?? user.username,
    challenge: await newChallenge(context, 'register', user.id),
    attestationType: 'none',
    excludeCredentials: passkeys.map((passkey) => ({
      id: passkey.credentialId,
      transports: passkey.transports,
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/**
 * Verifies the browser's answer to {@link registrationOptions} and stores the passkey.
 *
 * @returns the new passkey, or `null` when the answer does not verify (wrong origin, challenge,
 *   no user verification, a credential already known)
 */
export async function registerPasskey(
  context: Context,
  user: UserRecord,
  response: RegistrationResponseJSON,
  name: string,
): Promise<PasskeyRecord | null> {
  const rp = relyingParty(context);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challengeCheck(context, 'register', user.id),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch {
    return null;
  }
  if (!verification.verified) return null;
  const { credential, credentialBackedUp } = verification.registrationInfo;
  if (await context.store.findPasskey(credential.id)) return null;
  const passkey: PasskeyRecord = {
    credentialId: credential.id,
    userId: user.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? [],
    backedUp: credentialBackedUp,
    name,
    createdAt: context.now(),
    lastUsedAt: null,
  };
  await context.store.insertPasskey(passkey);
  return passkey;
}

/**
 * Options for signing in with a passkey, for the pending interaction `interactionId`: any
 * discoverable passkey of this site (`sign-in`), or one of `user`'s (`second-factor`).
 */
export async function authenticationOptions(
  context: Context,
  purpose: Exclude<ChallengePurpose, 'register'>,
  interactionId: string,
  user: UserRecord | null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allowCredentials = user
    ? (await context.store.listPasskeys(user.id)).map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports,
      }))
    : undefined;
  return generateAuthenticationOptions({
    rpID: relyingParty(context).id,
    challenge: await newChallenge(context, purpose, interactionId),
    userVerification: 'required',
    ...(allowCredentials ? { allowCredentials } : {}),
  });
}

/**
 * Verifies a passkey sign-in for interaction `interactionId`: the signature by the stored public
 * key over our challenge, origin and RP id, user verification, and a signature counter that grew
 * (recorded in one conditional write, so a cloned authenticator is refused).
 *
 * @param userId with `second-factor`, the passkey must be this user's
 * @returns the passkey used, or `null`
 */
export async function verifyPasskeySignIn(
  context: Context,
  purpose: Exclude<ChallengePurpose, 'register'>,
  interactionId: string,
  response: AuthenticationResponseJSON,
  userId: string | null,
): Promise<PasskeyRecord | null> {
  const passkey = typeof response.id === 'string' ? await context.store.findPasskey(response.id) : null;
  if (!passkey || (userId !== null && passkey.userId !== userId)) return null;
  const rp = relyingParty(context);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challengeCheck(context, purpose, interactionId),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.counter,
        transports: passkey.transports as never,
      },
      requireUserVerification: true,
    });
  } catch {
    return null;
  }
  if (!verification.verified) return null;
  const used = await context.store.usePasskey(
    passkey.credentialId,
    verification.authenticationInfo.newCounter,
    context.now(),
  );
  return used ? passkey : null;
}

/**
 * The `amr` of a passkey sign-in (RFC 8176): a key held by a device (`hwk`) or synced by a passkey
 * manager (`swk`), the user verified on it (`user`), which makes two factors (`mfa`).
 */
export function passkeyAmr(passkey: PasskeyRecord): string[] {
  return [passkey.backedUp ? 'swk' : 'hwk', 'user', 'mfa'];
}

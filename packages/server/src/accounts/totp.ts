import { Secret, TOTP } from 'otpauth';
import type { ServerContext } from '../context.ts';
import type { TotpRecord } from '../store/store.ts';

type Context = Pick<ServerContext, 'store' | 'issuerUrl' | 'keyEncryption'>;

/** RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 seconds. */
const PERIOD = 30;
/** Codes of the previous and the next step are accepted too: phone clocks drift (RFC 6238 §5.2). */
const WINDOW = 1;

/** The additional data that binds an encrypted secret to its user's row. */
const aad = (userId: string) => `totp:${userId}`;

function totpOf(context: Pick<Context, 'issuerUrl'>, username: string, base32: string): TOTP {
  return new TOTP({
    issuer: context.issuerUrl.host,
    label: username,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(base32),
  });
}

/**
 * Starts enrolling an authenticator app: a new 160-bit secret (RFC 4226 §4), stored unconfirmed
 * (encrypted when `CODEGRANT_KEY_SECRET` is set: unlike a password, a TOTP secret must be read
 * back), replacing any earlier unconfirmed one.
 *
 * @returns the `otpauth://` URI for the QR code, and the secret for typing in by hand
 */
export async function startTotpEnrolment(
  context: Context,
  user: { id: string; username: string },
  now: number,
): Promise<{ uri: string; secret: string }> {
  const secret = new Secret({ size: 20 }).base32;
  await context.store.saveTotp({
    userId: user.id,
    secret: context.keyEncryption ? await context.keyEncryption.encrypt(aad(user.id), secret) : secret,
    confirmedAt: null,
    lastStep: 0,
    createdAt: now,
  });
  return { uri: totpOf(context, user.username, secret).toString(), secret };
}

/** The `otpauth://` URI and secret of an enrolment in progress (to show its QR code again). */
export async function pendingTotpEnrolment(
  context: Context,
  user: { id: string; username: string },
): Promise<{ uri: string; secret: string } | null> {
  const record = await context.store.findTotp(user.id);
  if (!record || record.confirmedAt !== null) return null;
  const secret = await readSecret(context, record);
  return { uri: totpOf(context, user.username, secret).toString(), secret };
}

/**
 * Checks a code against the user's authenticator and, when it matches, records its time step so
 * it is never accepted again (one atomic write: a code replayed on another process fails too).
 *
 * @param confirming the enrolment's first code: the authenticator is confirmed with it
 * @returns whether the code was accepted
 */
export async function verifyTotpCode(
  context: Context,
  user: { id: string; username: string },
  code: string,
  now: number,
  confirming = false,
): Promise<boolean> {
  const record = await context.store.findTotp(user.id);
  if (!record || (record.confirmedAt === null) !== confirming) return false;
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return false;
  const totp = totpOf(context, user.username, await readSecret(context, record));
  const timestamp = now * 1000;
  const delta = totp.validate({ token, timestamp, window: WINDOW });
  if (delta === null) return false;
  const step = TOTP.counter({ period: PERIOD, timestamp }) + delta;
  if (confirming) {
    if (step <= record.lastStep) return false;
    await context.store.saveTotp({ ...record, confirmedAt: now, lastStep: step });
    return true;
  }
  return context.store.useTotpStep(user.id, step);
}

/** Whether the user has a confirmed authenticator (then every sign-in asks for a code). */
export async function hasTotp(context: Pick<Context, 'store'>, userId: string): Promise<boolean> {
  return ((await context.store.findTotp(userId))?.confirmedAt ?? null) !== null;
}

async function readSecret(context: Context, record: TotpRecord): Promise<string> {
  if (!record.secret.startsWith('enc:')) return record.secret;
  if (!context.keyEncryption) {
    throw new Error(`the TOTP secret of user ${record.userId} is encrypted: set CODEGRANT_KEY_SECRET`);
  }
  return context.keyEncryption.decrypt(aad(record.userId), record.secret);
}

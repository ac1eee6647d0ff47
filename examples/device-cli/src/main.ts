/**
 * `npm start -- <issuer>` (in examples/device-cli): signs you in with the device authorization
 * grant and prints your ID token claims. Ctrl-C stops waiting.
 * Options and environment: the issuer as the argument or CODEGRANT_ISSUER; `--client-id` or
 * DEVICE_CLI_CLIENT_ID (default `device-cli`); DEVICE_CLI_CLIENT_SECRET for a confidential client;
 * `--scope` or DEVICE_CLI_SCOPE (default `openid profile email`).
 */
import { parseArgs } from 'node:util';
import { ClientError } from '@codegrant/client';
import { type SignInInstructions, signInOnThisDevice } from './sign-in.ts';

const usage =
  'usage: device-cli <issuer> [--client-id ID] [--scope "openid profile"]  (or CODEGRANT_ISSUER=…)';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'client-id': { type: 'string' }, scope: { type: 'string' } },
});
const issuer = positionals[0] ?? process.env.CODEGRANT_ISSUER;
if (!issuer || !URL.canParse(issuer)) {
  console.error(usage);
  process.exit(2);
}

function show({ userCode, verificationUri, verificationUriComplete, expiresIn }: SignInInstructions): void {
  console.log(`To sign in, open ${verificationUri} and enter the code ${userCode}`);
  if (verificationUriComplete) console.log(`(or open ${verificationUriComplete})`);
  const lifetime = expiresIn >= 120 ? `${Math.round(expiresIn / 60)} min` : `${expiresIn} s`;
  console.log(`The code expires in ${lifetime}. Waiting for you to approve…`);
}

/** What went wrong, in the user's words where the identity provider's `error` says it. */
function explain(error: unknown): string {
  if (error instanceof ClientError) {
    if (error.error === 'access_denied') return 'the sign-in was declined';
    if (error.error === 'expired_token' || error.code === 'ERR_TIMEOUT')
      return 'the code expired; run me again';
  }
  return (error as Error).message;
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('cancelled')));
try {
  const claims = await signInOnThisDevice(
    {
      issuer: new URL(issuer),
      clientId: values['client-id'] ?? process.env.DEVICE_CLI_CLIENT_ID ?? 'device-cli',
      clientSecret: process.env.DEVICE_CLI_CLIENT_SECRET || undefined,
      scope: values.scope ?? process.env.DEVICE_CLI_SCOPE ?? 'openid profile email',
    },
    show,
    controller.signal,
  );
  console.log(`Signed in as ${claims.sub}. Your ID token's claims:`);
  console.log(JSON.stringify(claims, null, 2));
} catch (error) {
  console.error(`device-cli: sign-in failed: ${explain(error)}`);
  process.exitCode = 1;
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AuthorizationFlowContext } from '../authorize/authorization-request.ts';
import type { ServerContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { jsonNoStore, seeOther } from '../http/responses.ts';
import { withSecondFactor } from '../interaction/authentication-methods.ts';
import { readInteractionForm } from '../interaction/interaction-form.ts';
import { loginBlocked, recordLoginFailure, throttleKeys } from '../interaction/login-throttle.ts';
import { PASSKEY_SCRIPT } from '../pages/passkey-script.ts';
import { readAccountForm } from './account-form.ts';
import {
  authenticationOptions,
  passkeyAmr,
  registerPasskey,
  registrationOptions,
  verifyPasskeySignIn,
} from './webauthn.ts';

type AccountContext = Pick<
  ServerContext,
  'issuer' | 'issuerUrl' | 'store' | 'secureCookies' | 'lifetimes' | 'audit' | 'now'
>;
type SignInContext = AuthorizationFlowContext & Pick<ServerContext, 'issuerUrl' | 'loginThrottle'>;

/** The longest passkey name kept. */
const MAX_NAME_LENGTH = 60;

/** An error answer for the passkey script: it shows `error_description`, and goes to `location` if given. */
function jsonError(description: string, status: number, extra: Record<string, string> = {}): Response {
  return jsonNoStore({ error: 'invalid_request', error_description: description, ...extra }, status);
}

/** The browser's WebAuthn answer, posted as JSON text in the `response` field. */
function parseAnswer<T>(form: Record<string, string>): T | null {
  try {
    const answer = JSON.parse(form.response ?? '') as unknown;
    return answer && typeof answer === 'object' && typeof (answer as { id?: unknown }).id === 'string'
      ? (answer as T)
      : null;
  } catch {
    return null;
  }
}

/**
 * Passkeys on the account page (option `accounts.passkeys`), each change after a recent sign-in
 * and with the CSRF token:
 * - `POST /account/passkeys/options`: the options to create one (JSON, for `startRegistration`);
 * - `POST /account/passkeys`: the browser's answer, verified, stored (JSON `{ location }`);
 * - `POST /account/passkeys/delete`: removes one of the user's (a form; 303 to the account page).
 */
export function accountPasskeyEndpoints(context: AccountContext): {
  options(request: Request): Promise<Response>;
  register(request: Request, clientAddress: string | undefined): Promise<Response>;
  remove(request: Request, clientAddress: string | undefined): Promise<Response>;
} {
  /** Adding or removing a passkey needs a recent sign-in, like two-step verification. */
  const posted = (request: Request) => readAccountForm(context, request, { recent: true });
  /** For the script: the sign-in redirect as JSON, with the cookie of its flow. */
  const signInAgain = (redirect: Response) => {
    const response = jsonError('Sign in again to change your passkeys.', 401, {
      location: redirect.headers.get('location') ?? `${context.issuer}/account`,
    });
    for (const cookie of redirect.headers.getSetCookie()) response.headers.append('set-cookie', cookie);
    return response;
  };
  return {
    async options(request) {
      try {
        const { signedIn } = await posted(request);
        if (signedIn instanceof Response) return signInAgain(signedIn);
        return jsonNoStore(await registrationOptions(context, signedIn.user));
      } catch (error) {
        return oauthJsonError(error);
      }
    },
    async register(request, clientAddress) {
      try {
        const { form, signedIn } = await posted(request);
        if (signedIn instanceof Response) return signInAgain(signedIn);
        const answer = parseAnswer<RegistrationResponseJSON>(form);
        const name = (form.name ?? '').trim().slice(0, MAX_NAME_LENGTH) || 'Passkey';
        const passkey = answer ? await registerPasskey(context, signedIn.user, answer, name) : null;
        if (!passkey) return jsonError('The passkey could not be verified. Try again.', 400);
        context.audit.record({
          type: 'second_factor.enrolled',
          outcome: 'success',
          userId: signedIn.user.id,
          ip: clientAddress ?? null,
          details: { method: 'passkey' },
        });
        return jsonNoStore({ location: `${context.issuer}/account` });
      } catch (error) {
        return oauthJsonError(error);
      }
    },
    async remove(request, clientAddress) {
      try {
        const { form, signedIn } = await posted(request);
        if (signedIn instanceof Response) return signedIn;
        if (await context.store.deletePasskey(signedIn.user.id, form.credential_id ?? '')) {
          context.audit.record({
            type: 'second_factor.removed',
            outcome: 'success',
            userId: signedIn.user.id,
            ip: clientAddress ?? null,
            details: { method: 'passkey' },
          });
        }
        return seeOther(`${context.issuer}/account`);
      } catch (error) {
        if (error instanceof OAuthError) return jsonError(error.message, error.status);
        throw error;
      }
    },
  };
}

/**
 * Passkeys at sign-in, for a pending interaction (its CSRF token, its browser):
 * - `POST /interaction/:id/passkey/options`: options for any passkey of this site, or, when a
 *   password was right and a second factor is due, for that user's passkeys;
 * - `POST /interaction/:id/passkey`: the browser's answer; verified, the sign-in is recorded
 *   (`amr` says a passkey, which with its user verification is two factors) and the answer is
 *   `{ location }` of the interaction, which goes on. Failures are throttled per address.
 */
export function signInPasskeyEndpoints(context: SignInContext): {
  options(request: Request, id: string): Promise<Response>;
  verify(request: Request, id: string, clientAddress: string | undefined): Promise<Response>;
} {
  /** The pending interaction of this browser, its form checked against its CSRF token. */
  const pending = (request: Request, id: string) => readInteractionForm(context, request, id, context.now());
  return {
    async options(request, id) {
      try {
        const { interaction } = await pending(request, id);
        const user = interaction.pendingUserId
          ? await context.store.findUserById(interaction.pendingUserId)
          : null;
        const purpose = user ? 'second-factor' : 'sign-in';
        return jsonNoStore(await authenticationOptions(context, purpose, interaction.id, user));
      } catch (error) {
        return oauthJsonError(error);
      }
    },
    async verify(request, id, clientAddress) {
      try {
        const now = context.now();
        const { form, interaction } = await pending(request, id);
        const keys = throttleKeys(interaction.pendingUserId ?? 'passkey', clientAddress);
        if (await loginBlocked(context, keys, now)) {
          return jsonError('Too many failed sign-in attempts. Try again later.', 429);
        }
        const answer = parseAnswer<AuthenticationResponseJSON>(form);
        const purpose = interaction.pendingUserId ? 'second-factor' : 'sign-in';
        const passkey = answer
          ? await verifyPasskeySignIn(context, purpose, interaction.id, answer, interaction.pendingUserId)
          : null;
        const audit = (outcome: 'success' | 'failure', userId: string | null) =>
          context.audit.record({
            type: purpose === 'sign-in' ? 'sign_in' : 'second_factor',
            outcome,
            userId,
            clientId: interaction.clientId,
            ip: clientAddress ?? null,
            reason: outcome === 'failure' ? 'passkey_not_verified' : null,
            details: { method: 'passkey' },
          });
        if (!passkey) {
          audit('failure', interaction.pendingUserId);
          await recordLoginFailure(context, keys, now);
          return jsonError('That passkey is not known here, or it did not verify.', 401);
        }
        audit('success', passkey.userId);
        const amr = interaction.pendingUserId
          ? withSecondFactor(['pwd'], passkeyAmr(passkey)[0]!)
          : passkeyAmr(passkey);
        await context.store.setInteractionLogin(interaction.id, {
          userId: passkey.userId,
          authTime: now,
          amr,
        });
        return jsonNoStore({ location: `${context.issuer}/interaction/${interaction.id}` });
      } catch (error) {
        return oauthJsonError(error);
      }
    },
  };
}

/** An {@link OAuthError} as the passkey script's JSON; anything else goes to the router's 500. */
function oauthJsonError(error: unknown): Response {
  if (error instanceof OAuthError) return jsonError(error.message, error.status);
  throw error;
}

/**
 * `GET /assets/webauthn.js` (`@simplewebauthn/browser`'s browser bundle, as published) and
 * `GET /assets/passkeys.js` (ours): the only scripts our pages load, from our origin (CSP
 * `script-src 'self'`). Read once, when the routes are made.
 */
export function passkeyAssets(): { webauthn: () => Response; passkeys: () => Response } {
  const require = createRequire(import.meta.url);
  // The package's exports name its modules, not its browser bundle: find it beside them.
  const packageRoot = join(dirname(require.resolve('@simplewebauthn/browser')), '..');
  const bundle = readFileSync(join(packageRoot, 'dist/bundle/index.umd.min.js'), 'utf8');
  const script = (body: string) => () =>
    new Response(body, {
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      },
    });
  return { webauthn: script(bundle), passkeys: script(PASSKEY_SCRIPT) };
}

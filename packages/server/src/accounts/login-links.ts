import type { ServerContext } from '../context.ts';
import type { PageLink } from '../pages/html.ts';
import type { PasskeyButtonInput } from '../pages/passkey-button.ts';
import type { InteractionRecord } from '../store/store.ts';

/**
 * What the login page of an interaction offers besides the password, for the flows that are on:
 * "Create an account", "Forgot your password?", "Sign in with a passkey", "Sign in with {provider}".
 */
export function loginPageExtras(
  context: Pick<ServerContext, 'issuer' | 'accounts' | 'upstreamProviders' | 'settings'>,
  interaction: Pick<InteractionRecord, 'id' | 'csrfToken'>,
): {
  signUp?: PageLink;
  forgotPassword?: PageLink;
  passkey?: PasskeyButtonInput & { issuer: string };
  upstream: PageLink[];
} {
  const query = `?interaction=${encodeURIComponent(interaction.id)}`;
  return {
    upstream: [...context.upstreamProviders.values()].map((provider) => ({
      href: `${context.issuer}/interaction/${interaction.id}/upstream/${provider.options.id}`,
      text: `Sign in with ${provider.options.name}`,
    })),
    ...(context.settings.current.signUp
      ? { signUp: { href: `${context.issuer}/account/sign-up${query}`, text: 'Create an account' } }
      : {}),
    ...(context.accounts.passwordReset
      ? {
          forgotPassword: {
            href: `${context.issuer}/account/forgot-password${query}`,
            text: 'Forgot your password?',
          },
        }
      : {}),
    ...(context.accounts.passkeys
      ? { passkey: passkeyButtonOf(context, interaction, 'Sign in with a passkey') }
      : {}),
  };
}

/** The passkey button of an interaction's page (sign-in, or second factor). */
export function passkeyButtonOf(
  context: Pick<ServerContext, 'issuer'>,
  interaction: Pick<InteractionRecord, 'id' | 'csrfToken'>,
  label: string,
): PasskeyButtonInput & { issuer: string } {
  const base = `${context.issuer}/interaction/${interaction.id}/passkey`;
  return {
    action: 'authenticate',
    optionsUrl: `${base}/options`,
    verifyUrl: base,
    csrfToken: interaction.csrfToken,
    label,
    issuer: context.issuer,
  };
}

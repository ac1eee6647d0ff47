import type { ServerContext } from '../context.ts';
import type { PageLink } from '../pages/html.ts';

/** The account links of the login page of interaction `id`, for the flows that are on. */
export function accountLinks(
  context: Pick<ServerContext, 'issuer' | 'accounts'>,
  interactionId: string,
): { signUp?: PageLink; forgotPassword?: PageLink } {
  const query = `?interaction=${encodeURIComponent(interactionId)}`;
  return {
    ...(context.accounts.signUp
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
  };
}

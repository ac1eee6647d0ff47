/**
 * How a user signed in, in the words of the ID token: `amr` values of RFC 8176 and the `acr`
 * levels this server advertises (`acr_values_supported`).
 *
 * `acr` "1": one factor (a password); "2": two factors (a password and a one-time code). A client
 * asks for "2" with `acr_values=2`, and checks the `acr` it gets: `acr_values` is a voluntary
 * request (OpenID Connect Core §3.1.2.1), so a user with no second factor still signs in, at "1".
 */
export const ACR_VALUES = ['1', '2'] as const;

/** The `acr` of a sign-in with these methods; `null` when they are unknown (an app's own login UI said none). */
export function acrFor(amr: readonly string[]): string | null {
  if (amr.length === 0) return null;
  return amr.includes('mfa') ? '2' : '1';
}

/** The methods after a second factor (`otp` for TOTP and recovery codes) completes `first`. */
export function withSecondFactor(first: readonly string[], method: string): string[] {
  return [...new Set([...first, method, 'mfa'])];
}

/** Whether the authorization request's `acr_values` ask for a second factor. */
export function wantsMultiFactor(acrValues: readonly string[]): boolean {
  return acrValues.includes('2');
}

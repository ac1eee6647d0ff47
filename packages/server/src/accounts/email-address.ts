/** The longest address SMTP carries (RFC 5321 §4.5.3.1.3: a 256-octet path less its brackets). */
const MAX_LENGTH = 254;

/**
 * The address typed into a form, trimmed, if it looks like one: something, `@`, a domain, no
 * spaces or control characters (which could also split a mail header). Whether it exists is for
 * the mailed link to prove, not for a pattern.
 */
export function parseEmailAddress(input: string | undefined): string | null {
  const address = (input ?? '').trim();
  if (address.length > MAX_LENGTH || /\p{Cc}/u.test(address)) return null;
  return /^[^\s@]+@[^\s@.][^\s@]*$/.test(address) ? address : null;
}

/** The username of a self-made account: its email address in lower case (signing in matches it so). */
export function usernameForEmail(address: string): string {
  return address.toLowerCase();
}

/** An address shown on a page without giving it away whole: `a•••@example.com`. */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}

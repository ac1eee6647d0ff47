/**
 * What a new password must be, after NIST SP 800-63B §3.1.1.2: long enough, not a known breached
 * or common password, not built from the account's own name — and nothing else (no composition
 * rules, no forced expiry, which only push people to predictable patterns).
 */

/** The longest password accepted: scrypt hashes any length in the same time, but a form field has limits. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * The common-password list: the ~49,000 most common passwords of public breach corpora, as
 * shipped (MIT) by zxcvbn-ts. Loaded on the first check, so servers without account flows never
 * decompress it.
 */
let commonPasswords: Promise<Set<string>> | undefined;

function loadCommonPasswords(): Promise<Set<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].map((password) => password.toLowerCase())),
  );
  return commonPasswords;
}

/**
 * Why `password` may not be used, in a sentence for the person choosing it; `null` when it may.
 *
 * @param identifiers the account's username and email address: a password containing one is refused
 */
export async function passwordProblem(
  password: string,
  minLength: number,
  identifiers: string[],
): Promise<string | null> {
  const length = [...password].length;
  if (length < minLength) return `Use at least ${minLength} characters.`;
  if (length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  if (new Set(lower).size < 3) return 'Use more than one or two different characters.';
  if ((await loadCommonPasswords()).has(lower)) {
    return 'This password is one of the most common ones, which attackers try first. Choose another.';
  }
  for (const identifier of identifiers) {
    // The local part of an email address is what people reuse ("alice" of alice@example.com).
    const words = [identifier.toLowerCase(), identifier.toLowerCase().split('@')[0] ?? ''];
    if (words.some((word) => word.length >= 4 && lower.includes(word))) {
      return 'Do not use your email address or username in your password.';
    }
  }
  return null;
}

/**
 * The lines of news the account page shows after a change that sends the browser back to it
 * (POST, then 303 to `/account?done=…`). The query names one of these, never the text itself: a
 * link cannot make our page say something of its choosing.
 */
const ACCOUNT_NOTICES = {
  'name-saved': 'Your name was saved. Apps see it the next time they read your profile.',
  'session-ended': 'That device was signed out.',
  'session-gone': 'That session had already ended.',
  'app-removed': 'The app can no longer use your account. It will ask again if you sign in to it.',
  'app-gone': 'That app had no access left.',
} as const;

/** The key of a notice of the account page. */
export type AccountNotice = keyof typeof ACCOUNT_NOTICES;

/** The account page's address, with the notice to show at its top. */
export function accountPageUrl(issuer: string, notice: AccountNotice): string {
  return `${issuer}/account?done=${notice}`;
}

/** The notice the account page's address asks for, if it names one. */
export function accountNotice(request: Request): string | undefined {
  const key = new URL(request.url).searchParams.get('done');
  return key !== null && Object.hasOwn(ACCOUNT_NOTICES, key)
    ? ACCOUNT_NOTICES[key as AccountNotice]
    : undefined;
}

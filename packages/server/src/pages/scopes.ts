/** What each scope lets an app do, in the words of the consent page and the account page. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Know who you are (your account identifier)',
  profile: 'Read your profile: name and username',
  email: 'Read your email address',
  offline_access: 'Stay signed in: keep access when you are not using it',
};

/** A scope for people: its description, or its name when it has none (a resource server's own scope). */
export function describeScope(scope: string): string {
  return SCOPE_DESCRIPTIONS[scope] ?? scope;
}

/** What each claim asked for on its own (the `claims` parameter) shows the user. */
const CLAIM_DESCRIPTIONS: Record<string, string> = {
  name: 'Read your name',
  preferred_username: 'Read your username',
  email: 'Read your email address',
  email_verified: 'Know whether your email address is verified',
  updated_at: 'Know when your profile last changed',
};

/** A claim for people: its description, or "Read your …" with its name (`phone_number` → phone number). */
export function describeClaim(claim: string): string {
  return CLAIM_DESCRIPTIONS[claim] ?? `Read your ${claim.replaceAll('_', ' ')}`;
}

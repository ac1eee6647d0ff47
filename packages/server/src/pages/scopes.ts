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

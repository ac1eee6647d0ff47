/**
 * The types of audit events, each with what it records. An event type names what was attempted;
 * its `outcome` says whether it worked and its `reason` why not. Types with a dot are grouped:
 * filtering by `admin` lists every `admin.…` event.
 */
export const AUDIT_EVENT_TYPES = {
  sign_in:
    'a sign-in at the login page, with a passkey, a mailed link or an upstream provider (details.method)',
  second_factor: 'a second factor given after the first (details.method: totp, recovery_code, passkey)',
  'second_factor.enrolled': 'an authenticator app or a passkey set up on the account page',
  'second_factor.removed': 'an authenticator app or a passkey removed on the account page',
  consent: 'the end-user approved the scopes an app asked for (details.scope)',
  token: 'a token request: issued, or refused with the OAuth error (details.grant_type)',
  'token.code_replay': 'an authorization code used twice: its grant is revoked',
  'token.refresh_reuse': 'a rotated refresh token used again: its grant is revoked',
  device:
    'a device sign-in on the verification page (RFC 8628): approved, denied (reason access_denied), or a user code not found (reason unknown_user_code)',
  revocation: 'a token revoked at the revocation endpoint (RFC 7009)',
  backchannel_logout:
    'a logout token posted to a client’s backchannel_logout_uri after a session ended (details.attempt, details.status; on failure the reason — http_<status>, refused, timeout, network_error, private_address, not_registered — and details.retry_at, or details.final when given up)',
  'session.ended': 'another browser signed out by the account’s user on the account page',
  'grant.revoked': 'an app’s access taken back by its user on the account page',
  registration: 'a client registered itself (RFC 7591)',
  sign_up: 'an account created through sign-up',
  'password.reset': 'a password set through a mailed reset link',
  'password.changed': 'a password changed on the account page',
  'admin.sign_in': 'a sign-in to the admin console (refused for accounts that are not administrators)',
  'admin.client.created': 'a client created in the console',
  'admin.client.updated': 'a client’s name or redirect URIs changed in the console',
  'admin.client.secret_rotated': 'a client’s secret replaced in the console',
  'admin.client.deleted': 'a client deleted in the console',
  'admin.user.created': 'an account created in the console',
  'admin.user.disabled': 'an account disabled in the console',
  'admin.user.enabled': 'an account enabled again in the console',
  'admin.user.mfa_reset': 'an account’s second factors removed in the console',
  'admin.user.deleted': 'an account deleted in the console',
  'admin.session.revoked': 'a session ended in the console',
  'admin.grant.revoked': 'a grant revoked in the console',
  'admin.keys.rotated': 'the signing keys rotated in the console',
  'admin.settings.updated': 'a setting changed in the console',
} as const;

/** The type of an audit event: a key of {@link AUDIT_EVENT_TYPES}. */
export type AuditEventType = keyof typeof AUDIT_EVENT_TYPES;

import * as client from '@codegrant/client';

/** Where to sign in, and as which client. */
export interface DeviceSignInSettings {
  /** The identity provider's issuer identifier (discovery is at its `/.well-known/openid-configuration`). */
  issuer: URL;
  /** A client registered for the grant type `urn:ietf:params:oauth:grant-type:device_code`. */
  clientId: string;
  /** Only for a confidential client; a CLI handed to users is a public one and has none. */
  clientSecret?: string | undefined;
  /** The scopes to ask for; `openid` is needed for the ID token this tool prints. */
  scope: string;
}

/** What the user does on another device: open the URL and enter the code. */
export interface SignInInstructions {
  userCode: string;
  verificationUri: string;
  /** The URL with the code already in it, when the identity provider offers one. */
  verificationUriComplete: string | undefined;
  /** Seconds the code stays valid. */
  expiresIn: number;
}

/** `http:` is allowed for an identity provider on this machine only (development). */
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Signs the user in with the device authorization grant (RFC 8628): asks the identity provider
 * for a user code, hands the instructions to `show`, and polls until the user approves on another
 * device. Returns the validated ID token claims.
 *
 * @throws {client.ClientError} when the user declines (`error` `access_denied`), the code expires
 *   (`expired_token`, or `ERR_TIMEOUT`), or the identity provider answers anything unexpected;
 *   the reason of `signal` when it aborts
 */
export async function signInOnThisDevice(
  settings: DeviceSignInSettings,
  show: (instructions: SignInInstructions) => void,
  signal?: AbortSignal,
): Promise<client.IDTokenClaims> {
  const { issuer, clientId, clientSecret, scope } = settings;
  const local = issuer.protocol === 'http:' && loopbackHosts.has(issuer.hostname);
  const config = await client.discovery(issuer, clientId, clientSecret, undefined, {
    execute: local ? [client.allowInsecureRequests] : [],
  });
  const device = await client.initiateDeviceAuthorization(config, { scope });
  show({
    userCode: device.user_code,
    verificationUri: device.verification_uri,
    verificationUriComplete: device.verification_uri_complete,
    expiresIn: device.expires_in,
  });
  const tokens = await client.pollDeviceAuthorizationGrant(config, device, undefined, { signal });
  const claims = tokens.claims();
  if (!claims) throw new Error(`no ID token came back: is "openid" in the scope "${scope}"?`);
  return claims;
}

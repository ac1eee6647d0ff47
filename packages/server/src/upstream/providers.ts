import {
  allowInsecureRequests,
  ClientSecretBasic,
  ClientSecretPost,
  Configuration,
  discovery,
  None,
} from '@codegrant/client';

/**
 * An identity provider people may sign in with ("Sign in with …"): an OpenID provider found by its
 * `issuer`, or a plain OAuth 2.0 provider given by its endpoints.
 */
export interface UpstreamProviderOptions {
  /** Our name for it, in URLs and the store: lower-case letters, digits and dashes (`google`, `corp-sso`). */
  id: string;
  /** Shown on its button: "Sign in with {name}". */
  name: string;
  /** An OpenID provider: its issuer; the rest comes from its discovery document. */
  issuer?: string;
  /** A plain OAuth 2.0 provider (no `issuer`): its endpoints. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  /** Where a plain OAuth 2.0 provider says who the user is (JSON with `subjectClaim`, `email`, `name`). */
  userinfoEndpoint?: string;
  /** The field of a plain OAuth 2.0 provider's user info that identifies the user (default `sub`, then `id`). */
  subjectClaim?: string;
  /** Does a plain OAuth 2.0 provider verify the addresses it gives? (default false: then they are not trusted for linking). */
  emailsVerified?: boolean;
  clientId: string;
  /** Without one, the client is public (`none`). */
  clientSecret?: string;
  /** `client_secret_basic` (default) or `client_secret_post`. */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Default `openid email profile` for an OpenID provider; give the provider's for plain OAuth 2.0. */
  scopes?: string[];
  /**
   * An unknown person whose address the provider verified, and who has an account here with that
   * same address verified, signs in to that account (default false: linking by email trusts the
   * provider with every account at its addresses; name only providers you trust so).
   */
  linkByVerifiedEmail?: boolean;
  /** Create an account for someone new (default true). */
  createAccounts?: boolean;
  /** Development only: talk to the provider over http (an issuer on localhost in tests). */
  allowInsecureRequests?: boolean;
}

/** A configured provider with its client, made on first use (discovery) and kept. */
export interface UpstreamProvider {
  options: Required<Pick<UpstreamProviderOptions, 'id' | 'name' | 'linkByVerifiedEmail' | 'createAccounts'>> &
    UpstreamProviderOptions;
  /** OpenID Connect (an ID token) or plain OAuth 2.0 (user info from `userinfoEndpoint`). */
  openid: boolean;
  scopes: string[];
  /** The client of `@codegrant/client`, discovered once. */
  configuration(): Promise<Configuration>;
}

/**
 * Validates the providers and prepares their clients (discovery is lazy: a provider that is down at
 * start only fails its own button).
 *
 * @throws {TypeError} on a bad id, a duplicate, or neither `issuer` nor both endpoints
 */
export function resolveUpstreamProviders(
  list: UpstreamProviderOptions[],
  redirectUri: string,
): Map<string, UpstreamProvider> {
  const providers = new Map<string, UpstreamProvider>();
  for (const options of list) {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(options.id)) {
      throw new TypeError(
        `upstreamProviders: id "${options.id}" must be lower-case letters, digits and dashes`,
      );
    }
    if (providers.has(options.id)) throw new TypeError(`upstreamProviders: id "${options.id}" is used twice`);
    const openid = options.issuer !== undefined;
    if (!openid && (!options.authorizationEndpoint || !options.tokenEndpoint || !options.userinfoEndpoint)) {
      throw new TypeError(
        `upstreamProviders: "${options.id}" needs an issuer, or authorizationEndpoint, tokenEndpoint and userinfoEndpoint`,
      );
    }
    let configuration: Promise<Configuration> | undefined;
    providers.set(options.id, {
      options: { linkByVerifiedEmail: false, createAccounts: true, ...options },
      openid,
      scopes: options.scopes ?? (openid ? ['openid', 'email', 'profile'] : []),
      configuration() {
        configuration ??= makeConfiguration(options, redirectUri).catch((error: unknown) => {
          configuration = undefined; // try discovery again next time
          throw error;
        });
        return configuration;
      },
    });
  }
  return providers;
}

async function makeConfiguration(
  options: UpstreamProviderOptions,
  redirectUri: string,
): Promise<Configuration> {
  const auth = !options.clientSecret
    ? None()
    : options.clientAuthMethod === 'client_secret_post'
      ? ClientSecretPost(options.clientSecret)
      : ClientSecretBasic(options.clientSecret);
  const metadata = { redirect_uris: [redirectUri] };
  const execute = options.allowInsecureRequests ? [allowInsecureRequests] : [];
  if (options.issuer) {
    return discovery(new URL(options.issuer), options.clientId, metadata, auth, { execute });
  }
  const configuration = new Configuration(
    {
      // A plain OAuth 2.0 provider has no issuer identifier: its authorization server's origin stands in.
      issuer: new URL(options.authorizationEndpoint!).origin,
      authorization_endpoint: options.authorizationEndpoint!,
      token_endpoint: options.tokenEndpoint!,
    },
    options.clientId,
    metadata,
    auth,
  );
  for (const feature of execute) feature(configuration);
  return configuration;
}

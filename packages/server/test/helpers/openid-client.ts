import * as oidc from 'openid-client';

/** An openid-client Configuration for one of our clients (Basic with a secret, `none` without), http allowed. */
export function configureOpenidClient(
  issuer: string,
  clientId: string,
  clientSecret?: string,
): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(issuer),
    clientId,
    clientSecret,
    clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
}

import {
  type AuthorizationServer,
  type Client,
  type DPoPHandle,
  type HttpRequestOptions,
  isDPoPNonceError,
} from '@codegrant/client';

/** @internal What every request to the identity provider is made with. */
export interface Context {
  as: AuthorizationServer;
  client: Client;
  /** The transport options (`allowHttp` for loopback development). */
  http: HttpRequestOptions;
  /** The DPoP handle, when `dpop` is on. */
  dpop: DPoPHandle | undefined;
  /** Complete each new user's profile with the UserInfo endpoint's claims (`loadUserInfo`). */
  loadUserInfo: boolean;
}

/**
 * @internal Runs a token request once more when the server asked for a DPoP nonce (RFC 9449 §8):
 * the handle has learnt it from the first answer.
 */
export async function withDPoPNonce<T>(context: Context, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (context.dpop && isDPoPNonceError(err)) return run();
    throw err;
  }
}

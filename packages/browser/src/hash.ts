import { base64urlEncode } from '@codegrant/protocol';

/** @internal base64url(SHA-256(value)): how tabs name a token to each other without sending it. */
export async function sha256(value: string): Promise<string> {
  return base64urlEncode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))),
  );
}

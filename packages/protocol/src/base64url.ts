/**
 * Encodes bytes as base64url without padding (RFC 4648 §5), the alphabet of JOSE and PKCE.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-5
 */
export function base64urlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

import type { AuthorizationServerMetadata, ClientMetadata } from '@codegrant/protocol';
import type { clockSkew, clockTolerance } from './symbols.ts';

/**
 * The authorization server, as discovered (RFC 8414 §2, OpenID Connect Discovery §3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export type AuthorizationServer = AuthorizationServerMetadata;

/**
 * The client, as registered at the authorization server (RFC 7591 §2), plus the local settings
 * `redirect_uri` (the one sent at the token endpoint) and the clock symbols.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export interface Client extends ClientMetadata {
  /** The redirect URI of this client's authorization requests; used at the token endpoint. */
  redirect_uri?: string;
  /** OpenID Connect Registration §2: the `max_age` applied when a call gives none. */
  default_max_age?: number;
  /** OpenID Connect Registration §2: every ID token must carry `auth_time`. */
  require_auth_time?: boolean;
  [clockSkew]?: number;
  [clockTolerance]?: number;
}

/** @internal Whether a value is a plain JSON object. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

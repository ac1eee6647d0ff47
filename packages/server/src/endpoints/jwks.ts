import type { ServerContext } from '../context.ts';
import { jsonPublic } from '../http/responses.ts';

/** The JWKS endpoint (RFC 7517 §5): the public signing keys, retired ones included. */
export function jwksEndpoint(context: Pick<ServerContext, 'keys'>): () => Response {
  return () => jsonPublic(context.keys.jwks, 300);
}

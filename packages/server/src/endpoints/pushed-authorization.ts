import {
  type AuthorizationFlowContext,
  validateAuthorizationRequest,
} from '../authorize/authorization-request.ts';
import { PUSHED_REQUEST_URI_PREFIX } from '../authorize/pushed-request.ts';
import { requestObjectParameters } from '../authorize/request-object.ts';
import { authenticateClient } from '../client-auth/authenticate-client.ts';
import type { ServerContext } from '../context.ts';
import { checkDpopProof } from '../dpop/check-proof.ts';
import { invalidRequest, OAuthError } from '../errors.ts';
import { readFormParameters } from '../http/body.ts';
import { CORS_HEADERS } from '../http/cors.ts';
import { jsonNoStore } from '../http/responses.ts';
import { sha256 } from '../tokens/hash.ts';
import { randomValue } from '../tokens/random.ts';

type Context = AuthorizationFlowContext & Pick<ServerContext, 'clientKeys' | 'dpopNonces'>;

/** What authenticates the client at `/par`: not part of the authorization request it pushes. */
const CLIENT_AUTHENTICATION = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

/**
 * The pushed authorization request endpoint (RFC 9126): the client authenticates as at the token
 * endpoint and posts its authorization request, which is validated at once as `/authorize` would
 * (errors as JSON, §2.3) and kept, hashed by its reference, for `lifetimes.pushedRequest` (60 s).
 * The answer is its `request_uri`, usable once, by that client only. A DPoP proof binds the coming
 * code to its key (RFC 9449 §10.1), as `dpop_jkt` would.
 */
export function pushedAuthorizationEndpoint(context: Context): (request: Request) => Promise<Response> {
  const endpointUrl = `${context.issuer}/par`;
  return async (request) => {
    const params = await readFormParameters(request);
    const { client } = await authenticateClient(context, request, params, endpointUrl);
    if (params.request_uri !== undefined)
      throw invalidRequest('request_uri cannot be pushed (RFC 9126 §2.1)');
    const sent = Object.fromEntries(
      Object.entries(params).filter(([name]) => !CLIENT_AUTHENTICATION.has(name)),
    );
    if (sent.client_id !== undefined && sent.client_id !== client.clientId) {
      throw invalidRequest('client_id differs from the client that authenticated');
    }
    sent.client_id = client.clientId;
    // A signed request object may be pushed too (RFC 9126 §3): its parameters are the request.
    const parameters = sent.request !== undefined ? await requestObjectParameters(context, sent) : sent;
    const proofJkt = await checkDpopProof(context, request, endpointUrl, { errorCode: 'invalid_dpop_proof' });
    if (proofJkt !== null) {
      if (parameters.dpop_jkt !== undefined && parameters.dpop_jkt !== proofJkt) {
        throw new OAuthError('invalid_dpop_proof', 'dpop_jkt differs from the key of the DPoP proof');
      }
      parameters.dpop_jkt = proofJkt;
    }
    // Its errors are AuthorizationErrors: OAuth errors the router answers as JSON, as §2.3 wants.
    await validateAuthorizationRequest(context, parameters);

    const reference = randomValue();
    await context.store.insertPushedRequest({
      hash: sha256(reference),
      clientId: client.clientId,
      parameters,
      expiresAt: context.now() + context.lifetimes.pushedRequest,
    });
    return jsonNoStore(
      {
        request_uri: `${PUSHED_REQUEST_URI_PREFIX}${reference}`,
        expires_in: context.lifetimes.pushedRequest,
      },
      201,
      CORS_HEADERS,
    );
  };
}

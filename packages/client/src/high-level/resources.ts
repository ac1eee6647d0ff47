import { challengeOf } from '../challenge.ts';
import type { FetchBody } from '../http.ts';
import { retryOnDPoPNonce } from '../http.ts';
import {
  type IntrospectionResponse,
  introspectionRequest,
  processIntrospectionResponse,
} from '../introspection.ts';
import { protectedResourceRequest } from '../protected-resource.ts';
import { processRevocationResponse, revocationRequest } from '../revocation.ts';
import type { skipSubjectCheck } from '../symbols.ts';
import { processUserInfoResponse, type UserInfoResponse, userInfoRequest } from '../userinfo.ts';
import { type Configuration, httpOf, stateOf } from './configuration.ts';
import type { DPoPOptions } from './grants.ts';

/**
 * The end-user's claims from UserInfo; `expectedSubject` is the `sub` of the ID token (or
 * {@link skipSubjectCheck}). Retries once for a DPoP nonce.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export function fetchUserInfo(
  config: Configuration,
  accessToken: string,
  expectedSubject: string | typeof skipSubjectCheck,
  options?: DPoPOptions,
): Promise<UserInfoResponse> {
  const state = stateOf(config);
  const { as, client } = state;
  return retryOnDPoPNonce(options, async () =>
    processUserInfoResponse(
      as,
      client,
      expectedSubject,
      await userInfoRequest(as, client, accessToken, httpOf(state, { DPoP: options?.DPoP })),
    ),
  );
}

/**
 * Calls a protected resource (an API) with an access token, Bearer or DPoP; with DPoP, retries once
 * when the resource asks for a nonce (`401` + `WWW-Authenticate: DPoP error="use_dpop_nonce"`).
 * The response is returned as it is.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export async function fetchProtectedResource(
  config: Configuration,
  accessToken: string,
  url: URL,
  method: string,
  body?: FetchBody,
  headers?: Headers,
  options?: DPoPOptions,
): Promise<Response> {
  const http = httpOf(stateOf(config), { DPoP: options?.DPoP });
  const response = await protectedResourceRequest(accessToken, method, url, headers, body, http);
  if (!options?.DPoP || response.status !== 401 || challengeOf(response)?.error !== 'use_dpop_nonce')
    return response;
  return protectedResourceRequest(accessToken, method, url, headers, body, http);
}

/**
 * Revokes a token (`token_type_hint` in `parameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */
export async function tokenRevocation(
  config: Configuration,
  token: string,
  parameters?: URLSearchParams | Record<string, string>,
): Promise<void> {
  const state = stateOf(config);
  const options = httpOf(state, { clientAuthentication: state.auth, additionalParameters: parameters });
  await processRevocationResponse(await revocationRequest(state.as, state.client, token, options));
}

/**
 * Asks the server whether a token is active and what it carries (`token_type_hint` in `parameters`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662
 */
export async function tokenIntrospection(
  config: Configuration,
  token: string,
  parameters?: URLSearchParams | Record<string, string>,
): Promise<IntrospectionResponse> {
  const state = stateOf(config);
  const { as, client } = state;
  const options = httpOf(state, { clientAuthentication: state.auth, additionalParameters: parameters });
  return processIntrospectionResponse(as, client, await introspectionRequest(as, client, token, options));
}

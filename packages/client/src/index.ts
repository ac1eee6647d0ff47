/**
 * `@codegrant/client`: the relying-party side of OAuth 2.0 / OpenID Connect on Web APIs only.
 *
 * High level (openid-client v6 signatures): {@link discovery} → {@link Configuration} →
 * {@link buildAuthorizationUrl} → {@link authorizationCodeGrant} → {@link refreshTokenGrant}, …
 * Low level (oauth4webapi-style request/response pairs): {@link discoveryRequest} /
 * {@link processDiscoveryResponse}, {@link validateAuthResponse},
 * {@link authorizationCodeGrantRequest} / {@link processAuthorizationCodeResponse}, …
 * For APIs: {@link validateJwtAccessToken}.
 *
 * @packageDocumentation
 */

export type {
  CodeChallengeMethod,
  IDTokenClaims,
  JWTAccessTokenClaims,
  StandardClaims,
} from '@codegrant/protocol';
export {
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from '@codegrant/protocol';
export { authorizationUrl } from './authorization-url.ts';
export { CallbackParameters, validateAuthResponse } from './callback.ts';
export {
  type AuthenticatedRequestOptions,
  type ClientAuth,
  ClientSecretBasic,
  ClientSecretJwt,
  ClientSecretPost,
  None,
  PrivateKeyJwt,
} from './client-auth.ts';
export {
  type DeviceAuthorizationResponse,
  deviceAuthorizationRequest,
  processDeviceAuthorizationResponse,
} from './device-authorization.ts';
export {
  type DiscoveryRequestOptions as LowLevelDiscoveryRequestOptions,
  discoveryRequest,
  processDiscoveryResponse,
} from './discovery.ts';
export { DPoP, randomDPoPKeyPair } from './dpop.ts';
export { endSessionUrl } from './end-session.ts';
export { ClientError, type ClientErrorCode, type ClientErrorDetails, isDPoPNonceError } from './errors.ts';
export {
  buildAuthorizationUrl,
  buildAuthorizationUrlWithJAR,
  buildAuthorizationUrlWithPAR,
  buildEndSessionUrl,
} from './high-level/authorization.ts';
export {
  allowInsecureRequests,
  type ClientMetadata,
  Configuration,
  enableNonRepudiationChecks,
  type ServerMetadata,
  type ServerMetadataHelpers,
} from './high-level/configuration.ts';
export {
  type DeviceAuthorizationGrantPollOptions,
  initiateDeviceAuthorization,
  pollDeviceAuthorizationGrant,
} from './high-level/device.ts';
export { type DiscoveryRequestOptions, discovery } from './high-level/discovery.ts';
export { getDPoPHandle } from './high-level/dpop.ts';
export {
  type AuthorizationCodeGrantChecks,
  authorizationCodeGrant,
  clientCredentialsGrant,
  type DPoPOptions,
  genericGrantRequest,
  type RefreshTokenGrantOptions,
  refreshTokenGrant,
  type TokenEndpointResponseHelpers,
} from './high-level/grants.ts';
export { processBackchannelLogoutRequest } from './high-level/logout.ts';
export { dynamicClientRegistration } from './high-level/registration.ts';
export {
  fetchProtectedResource,
  fetchUserInfo,
  tokenIntrospection,
  tokenRevocation,
} from './high-level/resources.ts';
export type {
  CustomFetch,
  CustomFetchOptions,
  DPoPHandle,
  DPoPRequestOptions,
  FetchBody,
  HttpRequestOptions,
} from './http.ts';
export { type IDTokenChecks, validateIdToken } from './id-token.ts';
export {
  type IntrospectionResponse,
  introspectionRequest,
  processIntrospectionResponse,
} from './introspection.ts';
export type { PrivateKey } from './keys.ts';
export { type LogoutTokenChecks, type LogoutTokenClaims, validateLogoutToken } from './logout-token.ts';
export { type ProtectedResourceRequestOptions, protectedResourceRequest } from './protected-resource.ts';
export {
  type PushedAuthorizationResponse,
  processPushedAuthorizationResponse,
  pushedAuthorizationRequest,
} from './pushed-authorization.ts';
export {
  type DynamicClientRegistrationRequestOptions,
  dynamicClientRegistrationRequest,
  processDynamicClientRegistrationResponse,
} from './registration.ts';
export { issueRequestObject } from './request-object.ts';
export {
  accessTokenErrorResponse,
  type RequireAccessTokenOptions,
  requireAccessToken,
} from './require-access-token.ts';
export {
  type ProtectedResourceMetadata,
  type ProtectedResourceOptions,
  protectedResourceMetadata,
  protectedResourceMetadataResponse,
  protectedResourceMetadataUrl,
} from './resource-metadata.ts';
export { type ValidateJWTAccessTokenOptions, validateJwtAccessToken } from './resource-server.ts';
export { processRevocationResponse, revocationRequest } from './revocation.ts';
export {
  allowHttp,
  clockSkew,
  clockTolerance,
  customFetch,
  expectNoState,
  nopkce,
  skipStateCheck,
  skipSubjectCheck,
} from './symbols.ts';
export {
  authorizationCodeGrantRequest,
  processAuthorizationCodeResponse,
} from './token/authorization-code.ts';
export {
  clientCredentialsGrantRequest,
  processClientCredentialsResponse,
} from './token/client-credentials.ts';
export {
  deviceCodeGrantRequest,
  deviceCodeGrantType,
  processDeviceCodeResponse,
} from './token/device-code.ts';
export { genericTokenEndpointRequest } from './token/generic.ts';
export {
  type ProcessRefreshTokenResponseOptions,
  processRefreshTokenResponse,
  refreshTokenGrantRequest,
} from './token/refresh.ts';
export {
  getValidatedIdTokenClaims,
  type ProcessTokenResponseOptions,
  type TokenEndpointResponse,
} from './token/response.ts';
export type { AuthorizationServer, Client } from './types.ts';
export { processUserInfoResponse, type UserInfoResponse, userInfoRequest } from './userinfo.ts';

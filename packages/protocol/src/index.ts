export { base64urlEncode } from './base64url.ts';
export type { IDTokenClaims, JWTAccessTokenClaims, StandardClaims } from './claims.ts';
export { CLAIMS_BY_SCOPE } from './claims.ts';
export type {
  AuthorizationErrorCode,
  BearerErrorCode,
  OAuthErrorBody,
  OAuthErrorCode,
  RegistrationErrorCode,
  TokenErrorCode,
} from './errors.ts';
export type {
  AuthorizationServerMetadata,
  ClientAuthMethod,
  ClientMetadata,
  TokenEndpointResponse,
} from './metadata.ts';
export {
  DuplicateParameterError,
  REPEATABLE_PARAMETERS,
  splitSpaceDelimited,
  uniqueParameters,
} from './parameters.ts';
export type { CodeChallengeMethod } from './pkce.ts';
export {
  calculatePKCECodeChallenge,
  isValidCodeVerifier,
  isValidS256CodeChallenge,
  randomPKCECodeVerifier,
} from './pkce.ts';
export { randomNonce, randomState, randomToken } from './random.ts';

import type { TokenEndpointResponse } from '@codegrant/protocol';
import { OAuthError } from '../errors.ts';

/** What a grant handler gives the token endpoint: the response, and whose tokens they are (for the audit log). */
export interface GrantResult {
  response: TokenEndpointResponse;
  /** The end-user of the grant; `null` for a client acting for itself (client credentials). */
  userId: string | null;
}

/**
 * An `invalid_grant` refusal that is also an attack signal: an authorization code used twice, or a
 * rotated refresh token used again. The grant is already revoked when it is thrown; the token
 * endpoint records it in the audit log under its own type.
 */
export class GrantReplayError extends OAuthError {
  readonly auditType: 'token.code_replay' | 'token.refresh_reuse';
  readonly userId: string;

  constructor(auditType: GrantReplayError['auditType'], userId: string, description: string) {
    super('invalid_grant', description);
    this.auditType = auditType;
    this.userId = userId;
  }
}

import { REPEATABLE_PARAMETERS, uniqueParameters } from '@codegrant/protocol';
import type { ServerContext } from '../context.ts';
import { readFormSearchParams } from '../http/body.ts';
import { AuthorizationError } from './authorization-error.ts';
import { resolveClientAndTarget } from './authorization-request.ts';

/**
 * The parameters of an authorization request: the query of a GET, the form body of a POST
 * (OpenID Connect Core §3.1.2.1). A parameter sent twice is refused (RFC 6749 §3.1) — on a page if
 * it is `client_id` or `redirect_uri`, else at the redirect URI, like any other invalid request.
 *
 * @throws {AuthorizationError}
 */
export async function readAuthorizationParameters(
  context: Pick<ServerContext, 'findClient'>,
  request: Request,
): Promise<Record<string, string>> {
  const raw =
    request.method === 'POST' ? await readFormSearchParams(request) : new URL(request.url).searchParams;
  const duplicated = [...new Set(raw.keys())].find(
    (name) => raw.getAll(name).length > 1 && !REPEATABLE_PARAMETERS.includes(name),
  );
  if (duplicated === undefined) return uniqueParameters(raw);

  const message = `the ${duplicated} parameter is included more than once`;
  if (duplicated === 'client_id' || duplicated === 'redirect_uri')
    throw new AuthorizationError('invalid_request', message);
  const firstValues: Record<string, string> = {};
  for (const [name, value] of raw) if (!(name in firstValues) && value !== '') firstValues[name] = value;
  const { target } = await resolveClientAndTarget(context, firstValues);
  // An ambiguous state is not echoed: the client could not match it anyway.
  if (duplicated === 'state') target.state = undefined;
  throw new AuthorizationError('invalid_request', message, target);
}

import { randomToken } from '@codegrant/protocol';
import { SignJWT } from 'jose';
import { type DPoPRequestOptions, type HttpRequestOptions, send } from './http.ts';
import { jwsAlgorithm, type PrivateKey } from './keys.ts';
import type { AuthorizationServer, Client } from './types.ts';

/**
 * How the client proves itself at the token, revocation and introspection endpoints: it adds its
 * credentials to the request body or headers (same contract as openid-client's `ClientAuth`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export type ClientAuth = (
  as: AuthorizationServer,
  client: Client,
  body: URLSearchParams,
  headers: Headers,
) => void | Promise<void>;

/**
 * Options of requests that authenticate the client.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export interface AuthenticatedRequestOptions extends HttpRequestOptions, DPoPRequestOptions {
  /** How the client authenticates; default from `token_endpoint_auth_method` and `client_secret`. */
  clientAuthentication?: ClientAuth | undefined;
  /** More parameters for the request body (e.g. `resource`, RFC 8707). */
  additionalParameters?: URLSearchParams | Record<string, string> | string[][] | undefined;
}

const secretOf = (client: Client, secret: string | undefined): string => {
  const value = secret ?? client.client_secret;
  if (typeof value !== 'string' || !value) throw new TypeError('the client has no client_secret');
  return value;
};

/** RFC 6749 §2.3.1: the client id and secret are form-urlencoded before Basic encoding. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

/**
 * `client_secret_basic`: the client id and secret in an HTTP Basic `Authorization` header. The
 * secret defaults to the client's `client_secret`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function ClientSecretBasic(clientSecret?: string): ClientAuth {
  return (_as, client, _body, headers) => {
    const credentials = `${formEncode(client.client_id)}:${formEncode(secretOf(client, clientSecret))}`;
    headers.set('authorization', `Basic ${btoa(credentials)}`);
  };
}

/**
 * `client_secret_post`: the client id and secret in the request body.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function ClientSecretPost(clientSecret?: string): ClientAuth {
  return (_as, client, body) => {
    body.set('client_id', client.client_id);
    body.set('client_secret', secretOf(client, clientSecret));
  };
}

/**
 * `none`: a public client sends only its `client_id`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.1
 */
export function None(): ClientAuth {
  return (_as, client, body) => {
    body.set('client_id', client.client_id);
  };
}

async function assertion(
  as: AuthorizationServer,
  client: Client,
  key: CryptoKey | Uint8Array,
  alg: string,
  kid?: string,
) {
  return new SignJWT({ jti: randomToken() })
    .setProtectedHeader({ alg, kid })
    .setIssuer(client.client_id)
    .setSubject(client.client_id)
    .setAudience(as.issuer)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
}

function jwtAuth(sign: (as: AuthorizationServer, client: Client) => Promise<string>): ClientAuth {
  return async (as, client, body) => {
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', await sign(as, client));
  };
}

/**
 * `private_key_jwt`: a JWT signed with the client's private key (its `alg` follows from the key),
 * `aud` the issuer identifier.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export function PrivateKeyJwt(clientPrivateKey: CryptoKey | PrivateKey): ClientAuth {
  const { key, kid } =
    'key' in clientPrivateKey ? clientPrivateKey : { key: clientPrivateKey, kid: undefined };
  return jwtAuth((as, client) => assertion(as, client, key, jwsAlgorithm(key), kid));
}

/**
 * `client_secret_jwt`: a JWT signed with HS256 keyed by the client secret.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export function ClientSecretJwt(clientSecret?: string): ClientAuth {
  return jwtAuth((as, client) =>
    assertion(as, client, new TextEncoder().encode(secretOf(client, clientSecret)), 'HS256'),
  );
}

/** @internal The authentication a client's metadata asks for (RFC 7591 §2: default `client_secret_basic`). */
export function clientAuthOf(client: Client): ClientAuth {
  const method = client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none');
  const auth = { client_secret_basic: ClientSecretBasic, client_secret_post: ClientSecretPost, none: None }[
    method as 'none'
  ];
  if (!auth)
    throw new TypeError(`token_endpoint_auth_method ${method} needs an explicit clientAuthentication`);
  return auth();
}

/** @internal POSTs a form to an endpoint of the server, the client authenticated. */
export async function authenticatedPost(
  as: AuthorizationServer,
  client: Client,
  url: string,
  parameters: URLSearchParams | Record<string, string>,
  options: AuthenticatedRequestOptions = {},
): Promise<Response> {
  const body = new URLSearchParams(options.additionalParameters);
  for (const [name, value] of parameters instanceof URLSearchParams ? parameters : Object.entries(parameters))
    body.set(name, value);
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  });
  await (options.clientAuthentication ?? clientAuthOf(client))(as, client, body, headers);
  return send(url, 'POST', headers, body, options);
}

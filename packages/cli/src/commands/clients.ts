import { randomToken } from '@codegrant/protocol';
import {
  backchannelLogoutUriProblem,
  newClientRecord,
  OAuthError,
  redirectUriProblem,
  resolveSectorIdentifier,
  sectorIdentifierUriProblem,
  sha256,
} from '@codegrant/server';
import type { Command, CommandGroup } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';
import { jsonFlag, printRecords } from '../listing.ts';
import { dbFlag, openStore } from '../open-store.ts';

/** A chosen secret shorter than this is refused: it must resist guessing (ARCHITECTURE.md, CLI contract). */
const MIN_SECRET_LENGTH = 32;

const addCommand: Command = {
  name: 'clients add',
  summary: 'register a client (relying party)',
  details: [
    'Prints exactly one JSON object on stdout: {"client_id": "...", "client_secret": "..."}, without',
    'client_secret for a --public client. The secret is shown only then: the database keeps its',
    'SHA-256. Without --client-id and --client-secret both are generated (the secret has 256 bits).',
    'Redirect URIs are matched exactly; they must be https, http on localhost/127.0.0.1/[::1], or a',
    'private-use scheme with a dot for native apps (com.example.app:/callback).',
  ].join('\n'),
  arguments: [],
  flags: [
    {
      name: 'redirect-uri',
      type: 'string',
      placeholder: 'URI',
      description:
        'a redirect URI (required unless --device-flow); in the variable, URIs separated by spaces',
      multiple: true,
    },
    {
      name: 'public',
      type: 'boolean',
      description: 'a public client (SPA, native app): no secret, PKCE only',
    },
    { name: 'first-party', type: 'boolean', description: 'your own app: its users skip the consent page' },
    {
      name: 'client-id',
      type: 'string',
      placeholder: 'ID',
      description: 'the client_id (default: generated)',
    },
    {
      name: 'client-secret',
      type: 'string',
      placeholder: 'SECRET',
      description: `the client_secret, at least ${MIN_SECRET_LENGTH} characters (default: generated)`,
    },
    { name: 'name', type: 'string', placeholder: 'N', description: 'the name shown on the consent page' },
    {
      name: 'id-token-alg',
      type: 'string',
      choices: ['ES256', 'RS256'],
      description: 'the signing algorithm of its ID tokens',
      default: 'ES256',
    },
    {
      name: 'always-refresh-token',
      type: 'boolean',
      description: 'issue a refresh token even when offline_access is not requested',
    },
    {
      name: 'post-logout-redirect-uri',
      type: 'string',
      placeholder: 'URI',
      description: 'where the end-session endpoint may send the browser after a logout (repeatable)',
      multiple: true,
    },
    {
      name: 'backchannel-logout-uri',
      type: 'string',
      placeholder: 'URI',
      description:
        'where logout tokens are posted when a session the client signed in through ends (OpenID Connect Back-Channel Logout; https, or http on localhost)',
    },
    {
      name: 'backchannel-logout-session-required',
      type: 'boolean',
      description:
        'the client needs sid in its logout tokens (they always carry it; recorded and echoed back)',
    },
    {
      name: 'client-credentials',
      type: 'boolean',
      description: 'a confidential client may also get tokens for itself (client_credentials grant)',
    },
    {
      name: 'token-exchange',
      type: 'boolean',
      description:
        'a confidential client may exchange the tokens it is given for delegation (RFC 8693; serve --token-exchange)',
    },
    {
      name: 'device-flow',
      type: 'boolean',
      description:
        'it may sign in on devices without a browser: CLIs, TVs (RFC 8628 device grant; serve --device-flow)',
    },
    {
      name: 'require-par',
      type: 'boolean',
      description: 'its authorization requests must be pushed to /par first (RFC 9126)',
    },
    {
      name: 'subject-type',
      type: 'string',
      choices: ['public', 'pairwise'],
      description:
        'the sub its users get: public (their id) or pairwise (one of its own per sector, OpenID Connect Core §8)',
      default: 'public',
    },
    {
      name: 'sector-identifier-uri',
      type: 'string',
      placeholder: 'URL',
      description:
        'pairwise: the https URL of a JSON array of every redirect URI, fetched now; its host is the sector (default: the one host of the redirect URIs)',
    },
    {
      name: 'allow-missing-pkce',
      type: 'boolean',
      description:
        'a confidential OpenID Connect client that sends no PKCE (passport-openidconnect): it must send a nonce instead',
    },
    dbFlag,
  ],
  async run(args) {
    const isPublic = args.boolean('public');
    const chosenSecret = args.string('client-secret');
    if (isPublic && chosenSecret !== undefined)
      throw new UsageError('a --public client has no --client-secret');
    if (chosenSecret !== undefined && [...chosenSecret].length < MIN_SECRET_LENGTH) {
      throw new CliError(`the client secret must have at least ${MIN_SECRET_LENGTH} characters`);
    }
    const clientId = args.string('client-id') ?? randomToken(16);
    // client_id is a VSCHAR string (RFC 6749 Appendix A.1); without spaces, it stays one shell word.
    if (!/^[\x21-\x7e]+$/.test(clientId)) {
      throw new CliError(`the client id "${clientId}" must be printable ASCII characters without spaces`);
    }
    const redirectUris = [...new Set(args.strings('redirect-uri'))];
    const deviceFlow = args.boolean('device-flow');
    // A device-only client (a CLI) signs in at the verification page, not through a redirect.
    if (redirectUris.length === 0 && !deviceFlow) {
      throw new UsageError(
        '--redirect-uri is required (or set CODEGRANT_REDIRECT_URI), unless --device-flow',
      );
    }
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new CliError(`the redirect URI ${uri} ${problem}`);
    }
    const postLogoutRedirectUris = [...new Set(args.strings('post-logout-redirect-uri'))];
    for (const uri of postLogoutRedirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new CliError(`the post-logout redirect URI ${uri} ${problem}`);
    }
    const backchannelLogoutUri = args.string('backchannel-logout-uri') ?? null;
    if (backchannelLogoutUri !== null) {
      const problem = backchannelLogoutUriProblem(backchannelLogoutUri);
      if (problem) throw new CliError(`the back-channel logout URI ${backchannelLogoutUri} ${problem}`);
    } else if (args.boolean('backchannel-logout-session-required')) {
      throw new UsageError('--backchannel-logout-session-required needs --backchannel-logout-uri');
    }
    if (isPublic && args.boolean('client-credentials')) {
      throw new UsageError('a --public client cannot use --client-credentials: it has no secret');
    }
    if (isPublic && args.boolean('token-exchange')) {
      throw new UsageError('a --public client cannot use --token-exchange: it has no secret');
    }
    // PKCE is what protects a public client's code (RFC 9700 §2.1.1): it never goes without.
    if (isPublic && args.boolean('allow-missing-pkce')) {
      throw new UsageError('a --public client must use PKCE: it cannot have --allow-missing-pkce');
    }
    const secret = isPublic ? undefined : (chosenSecret ?? randomToken(32));
    const subjectType = args.string('subject-type') === 'pairwise' ? 'pairwise' : 'public';
    const sectorIdentifierUri = args.string('sector-identifier-uri') ?? null;
    if (sectorIdentifierUri !== null) {
      if (subjectType !== 'pairwise')
        throw new UsageError('--sector-identifier-uri is for --subject-type pairwise');
      const problem = sectorIdentifierUriProblem(sectorIdentifierUri);
      if (problem) throw new CliError(`the sector identifier URI ${sectorIdentifierUri} ${problem}`);
    }
    // The operator names the document: it may be on their own network (http only on loopback).
    const sectorIdentifier = await resolveSectorIdentifier(
      { clientId, subjectType, redirectUris, sectorIdentifierUri },
      { allowPrivateNetworks: true },
    ).catch((error: unknown) => {
      throw error instanceof OAuthError ? new CliError(error.message) : error;
    });

    const client = newClientRecord({
      clientId,
      clientSecretHash: secret === undefined ? null : sha256(secret),
      name: args.string('name') ?? null,
      redirectUris,
      postLogoutRedirectUris,
      grantTypes: [
        ...(redirectUris.length > 0 ? ['authorization_code'] : []),
        'refresh_token',
        ...(deviceFlow ? ['urn:ietf:params:oauth:grant-type:device_code'] : []),
        ...(args.boolean('client-credentials') ? ['client_credentials'] : []),
        ...(args.boolean('token-exchange') ? ['urn:ietf:params:oauth:grant-type:token-exchange'] : []),
      ],
      firstParty: args.boolean('first-party'),
      requirePushedAuthorizationRequests: args.boolean('require-par'),
      backchannelLogoutUri,
      backchannelLogoutSessionRequired: args.boolean('backchannel-logout-session-required'),
      idTokenSignedResponseAlg: args.string('id-token-alg') === 'RS256' ? 'RS256' : 'ES256',
      alwaysIssueRefreshToken: args.boolean('always-refresh-token'),
      allowMissingPkce: args.boolean('allow-missing-pkce'),
      subjectType,
      sectorIdentifier,
      metadata: sectorIdentifierUri === null ? {} : { sector_identifier_uri: sectorIdentifierUri },
    });
    const { store, description } = await openStore(args);
    try {
      if (await store.findClient(clientId)) {
        throw new CliError(`a client with id "${clientId}" already exists in the ${description}`);
      }
      await store.insertClient(client);
    } finally {
      await store.close();
    }
    // The contract's exact shape, spaces included: operators may match on it.
    const output: [string, string][] = [['client_id', clientId]];
    if (secret !== undefined) output.push(['client_secret', secret]);
    process.stdout.write(
      `{${output.map(([key, value]) => `"${key}": ${JSON.stringify(value)}`).join(', ')}}\n`,
    );
  },
};

const listCommand: Command = {
  name: 'clients list',
  summary: 'list the registered clients (never their secrets)',
  details: [
    'A table by default; with --json one object per line: client_id, client_name, type, redirect_uris,',
    'token_endpoint_auth_method, grant_types, first_party, id_token_signed_response_alg,',
    'always_issue_refresh_token, allow_missing_pkce, subject_type, sector_identifier, backchannel_logout_uri, created_at.',
  ].join('\n'),
  arguments: [],
  flags: [jsonFlag, dbFlag],
  async run(args) {
    const { store } = await openStore(args);
    try {
      const clients = await store.listClients();
      const records = clients.map((client) => ({
        client_id: client.clientId,
        client_name: client.name,
        type: client.tokenEndpointAuthMethod === 'none' ? 'public' : 'confidential',
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        grant_types: client.grantTypes,
        first_party: client.firstParty,
        id_token_signed_response_alg: client.idTokenSignedResponseAlg,
        always_issue_refresh_token: client.alwaysIssueRefreshToken,
        allow_missing_pkce: client.allowMissingPkce,
        subject_type: client.subjectType,
        sector_identifier: client.sectorIdentifier,
        backchannel_logout_uri: client.backchannelLogoutUri,
        created_at: new Date(client.createdAt * 1000).toISOString(),
      }));
      printRecords(
        records,
        ['client_id', 'type', 'first_party', 'client_name', 'redirect_uris'],
        args.boolean(jsonFlag.name),
      );
    } finally {
      await store.close();
    }
  },
};

const removeCommand: Command = {
  name: 'clients remove',
  summary: 'remove a client',
  arguments: [{ name: 'ID', description: 'its client_id' }],
  flags: [dbFlag],
  async run(args) {
    const [clientId = ''] = args.positionals;
    const { store, description } = await openStore(args);
    try {
      if (!(await store.deleteClient(clientId)))
        throw new CliError(`no client "${clientId}" in the ${description}`);
      process.stdout.write(`removed client ${clientId}\n`);
    } finally {
      await store.close();
    }
  },
};

/** `codegrant clients add|list|remove`: the relying parties allowed to use the identity provider. */
export const clientsCommands: CommandGroup = {
  name: 'clients',
  summary: 'manage clients (relying parties)',
  commands: [addCommand, listCommand, removeCommand],
};

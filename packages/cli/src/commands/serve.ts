import type { Server } from 'node:http';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createJsonLineLogger,
  DEFAULT_SCOPES,
  type RegistrationPolicy,
} from '@codegrant/server';
import { serve, sizeThreadPoolToCores } from '@codegrant/server/node';
import type { Command } from '../command.ts';
import { CliError } from '../errors.ts';
import { dbFlag, openStore } from '../open-store.ts';

const DEFAULT_PORT = 4000;
const DEFAULT_HOST = '127.0.0.1';
/** RFC 6749 §4.1.2 recommends at most 10 minutes for codes. */
const MAX_CODE_TTL = 600;
/** Longer-lived access is what refresh tokens are for. */
const MAX_ACCESS_TOKEN_TTL = 86_400;

/** In-flight requests get this long to finish after a shutdown signal; then their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/** `codegrant serve`: runs the identity provider on node:http until SIGINT or SIGTERM. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the identity provider',
  details: [
    'Opens the database (migrating its schema), listens, and logs one JSON line per request on',
    'stdout. Status lines (where it listens, shutdown) go to stderr. SIGINT or SIGTERM stops it',
    'cleanly: in-flight requests finish, then the database is closed; a second signal stops at once.',
    'It listens on 127.0.0.1 only unless --host says otherwise (e.g. 0.0.0.0 for all interfaces,',
    'behind your TLS-terminating proxy).',
    'Set CODEGRANT_KEY_SECRET (16+ characters; an environment variable only, never a flag, so it stays',
    'out of process listings) to encrypt signing keys at rest; keys it encrypted need it on every start.',
  ].join('\n'),
  arguments: [],
  flags: [
    {
      name: 'port',
      type: 'string',
      placeholder: 'PORT',
      description: 'the TCP port to listen on',
      default: String(DEFAULT_PORT),
    },
    {
      name: 'host',
      type: 'string',
      placeholder: 'HOST',
      description: 'the address to listen on',
      default: DEFAULT_HOST,
    },
    {
      name: 'issuer',
      type: 'string',
      placeholder: 'URL',
      description: 'the issuer identifier: https, or http on localhost (default http://localhost:PORT)',
    },
    dbFlag,
    {
      name: 'code-ttl',
      type: 'string',
      placeholder: 'SECONDS',
      description: `lifetime of authorization codes, at most ${MAX_CODE_TTL}`,
      default: '60',
    },
    {
      name: 'access-token-ttl',
      type: 'string',
      placeholder: 'SECONDS',
      description: `lifetime of access tokens, at most ${MAX_ACCESS_TOKEN_TTL}`,
      default: '3600',
    },
    {
      name: 'registration',
      type: 'string',
      choices: ['off', 'open', 'token'],
      description:
        'dynamic client registration (RFC 7591): off, open to anyone, or with the initial access token in CODEGRANT_INITIAL_ACCESS_TOKEN',
      default: 'off',
    },
    {
      name: 'resource',
      type: 'string',
      placeholder: 'URI',
      description: 'a resource (API, MCP server) clients may ask tokens for (RFC 8707); repeatable',
      multiple: true,
    },
    {
      name: 'default-resource',
      type: 'string',
      placeholder: 'URI',
      description:
        'the resource tokens are for when a client names none (an MCP server): their audience; added to --resource',
    },
    {
      name: 'scope',
      type: 'string',
      placeholder: 'NAME',
      description: 'a scope clients may ask for, beyond openid profile email offline_access; repeatable',
      multiple: true,
    },
    {
      name: 'refresh-grace',
      type: 'string',
      placeholder: 'SECONDS',
      description:
        'a rotated refresh token retried within this time gets the same successor (parallel refreshes)',
      default: '0',
    },
    {
      name: 'dpop-nonce',
      type: 'boolean',
      description: 'require server-provided nonces in DPoP proofs (RFC 9449 §8)',
    },
    {
      name: 'log',
      type: 'string',
      choices: ['json', 'off'],
      description: 'request log on stdout: one JSON line per request, or none (errors still go to stderr)',
      default: 'json',
    },
  ],
  async run(args) {
    // Before anything (opening the store, creating keys) starts the thread pool.
    sizeThreadPoolToCores();
    const port = args.integer('port', 1, 65_535) ?? DEFAULT_PORT;
    const hostname = args.string('host') ?? DEFAULT_HOST;
    const issuer = args.string('issuer') ?? `http://localhost:${port}`;
    const code = args.integer('code-ttl', 1, MAX_CODE_TTL);
    const accessToken = args.integer('access-token-ttl', 1, MAX_ACCESS_TOKEN_TTL);
    const logger = args.string('log') === 'json' ? createJsonLineLogger() : undefined;
    const registration = registrationPolicy(args.string('registration'));
    const defaultResource = args.string('default-resource');
    const resourceUris = [...args.strings('resource'), ...(defaultResource ? [defaultResource] : [])];
    const resources = Object.fromEntries(resourceUris.map((uri) => [uri, {}]));
    const scopes = [...new Set([...DEFAULT_SCOPES, ...args.strings('scope')])];
    const refreshTokenGraceSeconds = args.integer('refresh-grace', 0, 300) ?? 0;

    const { store, description } = await openStore(args);
    let http: Server;
    try {
      const server = await createAuthorizationServer({
        issuer,
        store,
        lifetimes: { code, accessToken },
        logger,
        registration,
        resources,
        ...(defaultResource ? { defaultResource } : {}),
        scopes,
        refreshTokenGraceSeconds,
        dpopNonce: args.boolean('dpop-nonce'),
        ...(process.env.CODEGRANT_KEY_SECRET
          ? { keyEncryptionSecret: process.env.CODEGRANT_KEY_SECRET }
          : {}),
      });
      http = await listen(server, port, hostname);
      process.stderr.write(
        `codegrant serve: listening on ${address(hostname, port)} (issuer ${server.issuer}; ${description})\n`,
      );
    } catch (error) {
      await store.close();
      throw error;
    }

    const signal = await nextSignal();
    process.stderr.write(`codegrant serve: ${signal} received, shutting down\n`);
    await close(http);
    await store.close();
  },
};

/** The registration policy of `--registration`; `token` reads the initial access token from the environment. */
function registrationPolicy(choice: string | undefined): RegistrationPolicy {
  if (choice !== 'token') return choice === 'open' ? 'open' : 'off';
  const token = process.env.CODEGRANT_INITIAL_ACCESS_TOKEN;
  if (!token || token.length < 32) {
    throw new CliError('--registration token needs CODEGRANT_INITIAL_ACCESS_TOKEN of at least 32 characters');
  }
  return { initialAccessToken: token };
}

/** {@link serve}, its usual failures said in one line. */
async function listen(server: AuthorizationServer, port: number, hostname: string): Promise<Server> {
  try {
    return await serve(server, { port, hostname });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} on ${hostname} is already in use`);
    if (code === 'EACCES') throw new CliError(`no permission to listen on port ${port} on ${hostname}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new CliError(`cannot listen on ${hostname}: no such local address`);
    throw error;
  }
}

function address(hostname: string, port: number): string {
  return `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

/** Resolves with the first SIGINT or SIGTERM; a second one then gets Node's default: exit at once. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Stops accepting connections, lets in-flight requests finish (for a while), closes idle keep-alive ones. */
function close(http: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS);
    deadline.unref();
    http.close((error) => {
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    });
    http.closeIdleConnections();
  });
}

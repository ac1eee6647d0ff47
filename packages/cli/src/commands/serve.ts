import type { Server } from 'node:http';
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  createAuthorizationServer,
  createJsonLineLogger,
  createMailer,
  DEFAULT_SCOPES,
  type Mailer,
  type RegistrationPolicy,
} from '@codegrant/server';
import { serve, serveMetrics, shutDown, sizeThreadPoolToCores } from '@codegrant/server/node';
import type { Command } from '../command.ts';
import { CliError } from '../errors.ts';
import { mailFromFlag } from '../mail-from.ts';
import { dbFlag, openStore } from '../open-store.ts';
import type { ParsedArgs } from '../options.ts';
import { readUpstreamProviders } from '../upstream-providers.ts';

const DEFAULT_PORT = 4000;
const DEFAULT_HOST = '127.0.0.1';
/** RFC 6749 §4.1.2 recommends at most 10 minutes for codes. */
const MAX_CODE_TTL = 600;
/** Longer-lived access is what refresh tokens are for. */
const MAX_ACCESS_TOKEN_TTL = 86_400;
/** NIST SP 800-63B §3.1.1.2: never fewer than 8 characters. */
const MIN_PASSWORD_MIN_LENGTH = 8;
/** A minimum beyond what password managers generate only locks people out. */
const MAX_PASSWORD_MIN_LENGTH = 128;
/** Where account mail goes without CODEGRANT_SMTP_URL (the library prints it on a loopback issuer). */
const NO_SMTP = 'stderr (not sent: development)';

type AccountOptions = NonNullable<AuthorizationServerOptions['accounts']>;

/** `codegrant serve`: runs the identity provider on node:http until SIGINT or SIGTERM. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the identity provider',
  details: [
    'Opens the database (migrating its schema), listens, and logs one JSON line per request on',
    'stdout. Status lines (where it listens, shutdown) go to stderr. GET /healthz says the process runs;',
    'GET /readyz that the database answers and the keys are loaded (503 otherwise). SIGINT or SIGTERM',
    'stops it without losing a request: /readyz turns 503 and answers say Connection: close for',
    '--drain-seconds, then listening stops, in-flight requests finish, the audit log is written and the',
    'database closed; a second signal stops at once.',
    'It listens on 127.0.0.1 only unless --host says otherwise (e.g. 0.0.0.0 for all interfaces,',
    'behind your TLS-terminating proxy).',
    'Set CODEGRANT_KEY_SECRET (16+ characters; an environment variable only, never a flag, so it stays',
    'out of process listings) to encrypt signing keys at rest; keys it encrypted need it on every start.',
    'The account flows (--sign-up, --password-reset, --require-verified-email) send mail through',
    'CODEGRANT_SMTP_URL (an environment variable only: it holds the SMTP password; see codegrant mail',
    'test). An https issuer refuses to start them without it; on a loopback http issuer (development)',
    'the mail is printed on stderr, not sent.',
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
      name: 'token-exchange',
      type: 'boolean',
      description:
        'token exchange for delegation (RFC 8693) by clients registered for it (clients add --token-exchange)',
    },
    {
      name: 'device-flow',
      type: 'boolean',
      description:
        'the device authorization grant (RFC 8628): /device_authorization and the /device page, for clients added with --device-flow',
    },
    {
      name: 'require-par',
      type: 'boolean',
      description:
        'every authorization request must be pushed to /par first (RFC 9126); clients add --require-par asks it of one',
    },
    {
      name: 'backchannel-logout',
      type: 'string',
      choices: ['on', 'off'],
      description:
        'OpenID Connect Back-Channel Logout: logout tokens to the clients of an ended session (clients add --backchannel-logout-uri)',
      default: 'on',
    },
    {
      name: 'dpop-nonce',
      type: 'boolean',
      description: 'require server-provided nonces in DPoP proofs (RFC 9449 §8)',
    },
    {
      name: 'upstream-providers',
      type: 'string',
      placeholder: 'FILE',
      description:
        '"Sign in with …" providers: a JSON array ({ id, name, issuer, clientId, clientSecretEnv, linkByVerifiedEmail, … }); secrets from the variables it names',
    },
    {
      name: 'sign-up',
      type: 'boolean',
      description:
        '"Create an account" on the login page: the account is made once the link mailed to its address is used',
    },
    {
      name: 'password-reset',
      type: 'boolean',
      description: '"Forgot your password?" on the login page: a reset link by mail',
    },
    {
      name: 'require-verified-email',
      type: 'boolean',
      description:
        'accounts with an unverified email cannot finish signing in and are mailed a link (default: on with --sign-up; CODEGRANT_REQUIRE_VERIFIED_EMAIL=false turns it off)',
    },
    {
      name: 'account-page',
      type: 'boolean',
      description: 'the account page at /account: profile, two-step verification (with --totp), sign-out',
    },
    {
      name: 'totp',
      type: 'boolean',
      description: 'two-step verification with an authenticator app and recovery codes, set up on /account',
    },
    {
      name: 'passkeys',
      type: 'boolean',
      description:
        'passkeys (WebAuthn): added on /account, then "Sign in with a passkey", and as the second factor after a password',
    },
    {
      name: 'account-requests-per-ip',
      type: 'string',
      placeholder: 'N',
      description: 'sign-up and password reset requests per client address in 15 minutes (default 20)',
    },
    {
      name: 'mails-per-address',
      type: 'string',
      placeholder: 'N',
      description: 'account mails to one address in 15 minutes; more are dropped silently (default 3)',
    },
    {
      name: 'password-min-length',
      type: 'string',
      placeholder: 'N',
      description: `the fewest characters of a password chosen on the sign-up and reset pages, at least ${MIN_PASSWORD_MIN_LENGTH} (default 12)`,
    },
    mailFromFlag,
    {
      name: 'metrics-port',
      type: 'string',
      placeholder: 'PORT',
      description:
        'serve Prometheus metrics at GET /metrics on this port (off without it), on --metrics-host',
    },
    {
      name: 'metrics-host',
      type: 'string',
      placeholder: 'HOST',
      description: 'the address of the metrics port: keep it where only your scraper reaches',
      default: DEFAULT_HOST,
    },
    {
      name: 'audit',
      type: 'string',
      choices: ['on', 'off'],
      description: 'the audit log in the database (codegrant audit lists it)',
      default: 'on',
    },
    {
      name: 'audit-retention-days',
      type: 'string',
      placeholder: 'DAYS',
      description: 'audit events older than this are deleted; 0 keeps them forever',
      default: '90',
    },
    {
      name: 'pairwise-subjects',
      type: 'string',
      choices: ['on', 'off'],
      description:
        'offer pairwise subject identifiers (subject_type pairwise, OpenID Connect Core §8); off refuses new pairwise clients, existing ones keep theirs',
      default: 'on',
    },
    {
      name: 'admin-console',
      type: 'string',
      choices: ['on', 'off'],
      description:
        'the admin console at /admin, for administrators (users add --admin); 404 until one exists',
      default: 'on',
    },
    {
      name: 'drain-seconds',
      type: 'string',
      placeholder: 'SECONDS',
      description:
        'on SIGTERM, keep serving this long with /readyz at 503 before closing (your load balancer’s detection time)',
      default: '1',
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
    const accounts = accountOptions(args);
    const upstreamFile = args.string('upstream-providers');
    const mailer = smtpMailer(args.string(mailFromFlag.name) ?? mailFromFlag.default);
    const metricsPort = args.integer('metrics-port', 1, 65_535);
    const metricsHost = args.string('metrics-host') ?? DEFAULT_HOST;
    const retentionDays = args.integer('audit-retention-days', 0, 36_500) ?? 90;
    const drainSeconds = args.integer('drain-seconds', 0, 600) ?? 1;

    const { store, description } = await openStore(args);
    let server: AuthorizationServer;
    let http: Server;
    let metricsHttp: Server | undefined;
    let signalled: Promise<NodeJS.Signals>;
    try {
      server = await createAuthorizationServer({
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
        requirePushedAuthorizationRequests: args.boolean('require-par'),
        ...(args.boolean('token-exchange') ? { tokenExchange: {} } : {}),
        ...(args.boolean('device-flow') ? { deviceAuthorization: {} } : {}),
        ...(process.env.CODEGRANT_KEY_SECRET
          ? { keyEncryptionSecret: process.env.CODEGRANT_KEY_SECRET }
          : {}),
        accounts,
        ...(upstreamFile ? { upstreamProviders: readUpstreamProviders(upstreamFile) } : {}),
        mailer,
        audit: args.string('audit') === 'off' ? false : { retentionDays },
        metrics: metricsPort !== undefined,
        adminConsole: args.string('admin-console') !== 'off',
        ...(args.string('pairwise-subjects') === 'off' ? { pairwiseSubjects: false } : {}),
        ...(args.string('backchannel-logout') === 'off' ? { backchannelLogout: false as const } : {}),
      }).catch((error: unknown) => {
        throw mailerMissing(error, mailer) ?? error;
      });
      if (accounts.signUp || accounts.passwordReset || accounts.requireVerifiedEmail) {
        process.stderr.write(`codegrant serve: account mail goes to ${mailer?.description ?? NO_SMTP}\n`);
      }
      http = await listen(server, port, hostname);
      if (metricsPort !== undefined) {
        metricsHttp = await serveMetrics(server, { port: metricsPort, hostname: metricsHost });
        process.stderr.write(`codegrant serve: metrics at ${address(metricsHost, metricsPort)}/metrics\n`);
      }
      // Before saying so: whoever waits for the line may signal at once.
      signalled = nextSignal();
      process.stderr.write(
        `codegrant serve: listening on ${address(hostname, port)} (issuer ${server.issuer}; ${description})\n`,
      );
    } catch (error) {
      await store.close();
      throw error;
    }

    const signal = await signalled;
    process.stderr.write(`codegrant serve: ${signal} received, shutting down\n`);
    await shutDown(http, server, { drainSeconds });
    metricsHttp?.close();
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

/** The account options of `--sign-up`, `--password-reset`, `--require-verified-email`, `--account-page`, `--totp`, `--password-min-length`. */
function accountOptions(args: ParsedArgs): AccountOptions {
  const accounts: AccountOptions = {
    signUp: args.boolean('sign-up'),
    passwordReset: args.boolean('password-reset'),
    accountPage: args.boolean('account-page'),
    totp: args.boolean('totp'),
    passkeys: args.boolean('passkeys'),
  };
  // Absent, the library's default applies (on with sign-up).
  const requireVerifiedEmail = args.optionalBoolean('require-verified-email');
  if (requireVerifiedEmail !== undefined) accounts.requireVerifiedEmail = requireVerifiedEmail;
  const passwordMinLength = args.integer(
    'password-min-length',
    MIN_PASSWORD_MIN_LENGTH,
    MAX_PASSWORD_MIN_LENGTH,
  );
  if (passwordMinLength !== undefined) accounts.passwordMinLength = passwordMinLength;
  const maxRequestsPerIp = args.integer('account-requests-per-ip', 1, 1_000_000);
  if (maxRequestsPerIp !== undefined) accounts.maxRequestsPerIp = maxRequestsPerIp;
  const maxMailsPerAddress = args.integer('mails-per-address', 1, 1_000);
  if (maxMailsPerAddress !== undefined) accounts.maxMailsPerAddress = maxMailsPerAddress;
  return accounts;
}

/**
 * The mailer of CODEGRANT_SMTP_URL, or `undefined` without it: the library then prints account mail
 * on a loopback issuer and refuses the flows that mail on an https one.
 *
 * @throws {CliError} when the URL is not an SMTP URL (without repeating it: it holds a password)
 */
function smtpMailer(from: string): Mailer | undefined {
  const smtpUrl = process.env.CODEGRANT_SMTP_URL || undefined;
  if (smtpUrl === undefined) return undefined;
  try {
    return createMailer({ smtpUrl, from });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_INVALID_URL') {
      throw new CliError('CODEGRANT_SMTP_URL is not a URL (smtp://USER:PASSWORD@HOST:587 or smtps://…:465)');
    }
    throw new CliError(`CODEGRANT_SMTP_URL: ${(error as Error).message}`);
  }
}

/** The library's refusal of account flows without a mailer (an https issuer), said as the CLI's fix. */
function mailerMissing(error: unknown, mailer: Mailer | undefined): CliError | undefined {
  if (mailer !== undefined || !(error instanceof TypeError) || !/\bmailer\b/.test(error.message)) {
    return undefined;
  }
  return new CliError(
    'the account flows send mail and the issuer is not loopback: set CODEGRANT_SMTP_URL (smtp://USER:PASSWORD@HOST:587 or smtps://…:465)',
  );
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

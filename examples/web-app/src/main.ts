/**
 * `npm start`: the identity provider and the demo web app, on a SQLite file in the current directory.
 * Environment: CODEGRANT_DB (default ./codegrant.db), CODEGRANT_PORT (4000), CODEGRANT_ISSUER
 * (http://localhost:<CODEGRANT_PORT>), DEMO_PORT (3000), DEMO_SPA_PORT (3001).
 */
import { type DevSetup, startDevSetup } from './dev-setup.ts';

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (!value) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

const dbPath = process.env.CODEGRANT_DB || './codegrant.db';
let setup: DevSetup;
try {
  setup = await startDevSetup({
    dbPath,
    idpPort: portFromEnv('CODEGRANT_PORT', 4000),
    appPort: portFromEnv('DEMO_PORT', 3000),
    spaPort: portFromEnv('DEMO_SPA_PORT', 3001),
    issuer: process.env.CODEGRANT_ISSUER || undefined,
  });
} catch (error) {
  console.error(`codegrant dev setup: could not start: ${(error as Error).message}`);
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      'Another process has that port: stop it, or choose others with CODEGRANT_PORT and DEMO_PORT.',
    );
  }
  process.exit(1);
}

const { seeding } = setup;
const registration = {
  created: 'registered now',
  reused: 'registered',
  replaced:
    're-registered (its redirect URI or secret had changed; its earlier tokens and consents are gone)',
}[seeding.client];
console.log(`
codegrant dev setup
  Identity provider  ${setup.issuer}
                     discovery: ${setup.issuer}/.well-known/openid-configuration
  Demo web app       ${setup.appUrl}   <- open this in your browser
  Demo SPA           ${setup.spaUrl}   (single-page app, @codegrant/browser)
  Demo user          username ${setup.demoAccount.username}, password ${setup.demoAccount.password}${seeding.userCreated ? ' (created now)' : ''}
  Your account       ${setup.issuer}/account   (passkeys, two-step verification; sign-up and password reset on the login page:
                     their mail is printed below, marked NOT SENT, with its link)
  Admin console      ${setup.issuer}/admin   (the demo user is an administrator)
  Demo client        ${setup.clientId}, confidential, ${registration}; its secret is in ${setup.clientFile}
  Database           ${dbPath}
`);
if (!seeding.demoPasswordWorks) {
  console.log(
    `Warning: the user ${setup.demoAccount.username} already existed with another password: ${setup.demoAccount.password} will not sign it in.\n`,
  );
}
console.log('The identity provider logs one JSON line per request below. Ctrl-C stops both servers.\n');

let stopping = false;
async function stop(signal: string): Promise<void> {
  // A second signal while stopping: the user insists.
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`${signal}: stopping`);
  try {
    await setup.close();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

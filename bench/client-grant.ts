/**
 * `authorizationCodeGrant` of `@codegrant/client` against openid-client's, µs per operation, in one
 * process: both libraries talk to the same in-process `customFetch` (no sockets) that serves the
 * discovery document, the JWKS and a valid token response carrying a freshly signed ES256 ID token
 * (a distinct token per operation, signed before the timed loop so signing is not measured; with
 * `at_hash`, as `@codegrant/server` issues it). Measured: ours verifying the ID token's signature
 * (the default), ours with `skipIdTokenSignatureCheck`, openid-client's default (no signature
 * check), openid-client with `enableNonRepudiationChecks()`, and a bare `jose.jwtVerify` of the same
 * tokens for reference. Many short interleaved rounds (the order rotates); µs/op are the medians of
 * the rounds, ratios the medians of each round's ratio (its two runs were milliseconds apart).
 *
 * `@codegrant/client` is measured as published, its `dist` (`npm run bench` builds it first). Run
 * alone: `npm run build && node --import tsx bench/client-grant.ts [--ops N] [--rounds N]`.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as codegrant from '@codegrant/client';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as openid from 'openid-client';

/** The issue's targets: ours verifying against openid-client verifying, ours unverified against its default. */
export const CLIENT_GRANT_TARGETS = { verifyingRatio: 0.6, unverifiedRatio: 0.8 } as const;

/** Median µs per operation of each subject, and the ratios the targets are about. */
export interface ClientGrantReport {
  /** `@codegrant/client`, ID token signature verified (its default). */
  codegrantVerifyingMicros: number;
  /** `@codegrant/client` with `skipIdTokenSignatureCheck`. */
  codegrantUnverifiedMicros: number;
  /** openid-client's default: the ID token's signature is not checked. */
  openidClientMicros: number;
  /** openid-client with `enableNonRepudiationChecks()`. */
  openidClientVerifyingMicros: number;
  /** `jose.jwtVerify` of the same ID token with an imported key: the cost of the signature alone. */
  joseJwtVerifyMicros: number;
  /** Ours verifying / openid-client verifying, the median of the rounds' ratios (target ≤ 0.6). */
  verifyingRatio: number;
  /** Ours unverified / openid-client's default, the median of the rounds' ratios (target ≤ 0.8). */
  unverifiedRatio: number;
  /**
   * The bare `jose.jwtVerify` / openid-client verifying: the share of that grant a signature check
   * alone takes here, under which `verifyingRatio` cannot go.
   */
  joseJwtVerifyRatio: number;
}

/** Options of {@link measureClientGrant}. */
export interface ClientGrantOptions {
  /** Operations per subject per round (default 100). */
  ops?: number;
  /** Rounds (default 41): short ones, so a burst of load elsewhere hits the subjects of one round alike. */
  rounds?: number;
}

const ISSUER = 'https://id.example.com';
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-client-secret';
const REDIRECT_URI = 'https://app.example.com/callback';
const CODE_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['ES256'],
  code_challenge_methods_supported: ['S256'],
  token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
  authorization_response_iss_parameter_supported: true,
};
const WARMUP_OPS = 300;

/** One authorization response and the token response that answers it. */
interface Grant {
  callback: string;
  state: string;
  nonce: string;
  idToken: string;
  /** The token response body, serialized ahead like the token itself. */
  body: string;
}

type Subject = (grant: Grant) => Promise<unknown>;

/** Measures the five subjects in interleaved rounds (the order rotates each round) and keeps medians. */
export async function measureClientGrant(options: ClientGrantOptions = {}): Promise<ClientGrantReport> {
  const ops = options.ops ?? 100;
  const rounds = options.rounds ?? 41;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'ES256', use: 'sig' }] };

  // The identity provider, in process: the current grant's token response for every token request.
  let current: Grant | undefined;
  const json = (body: string) => new Response(body, { headers: { 'content-type': 'application/json' } });
  const metadataBody = JSON.stringify(METADATA);
  const jwksBody = JSON.stringify(jwks);
  const serve = async (url: string): Promise<Response> => {
    if (url === METADATA.token_endpoint) return json(current!.body);
    if (url === METADATA.jwks_uri) return json(jwksBody);
    if (url === `${ISSUER}/.well-known/openid-configuration`) return json(metadataBody);
    return new Response(null, { status: 404 });
  };

  const ours = await codegrant.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET, undefined, {
    [codegrant.customFetch]: serve,
  });
  const theirs = () =>
    openid.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET, undefined, { [openid.customFetch]: serve });
  const theirsDefault = await theirs();
  const theirsVerifying = await theirs();
  openid.enableNonRepudiationChecks(theirsVerifying);

  const checks = (grant: Grant) => ({
    pkceCodeVerifier: CODE_VERIFIER,
    expectedState: grant.state,
    expectedNonce: grant.nonce,
  });
  // Each grant goes through the whole high-level call, the callback URL parsed as an app would.
  const grantWith =
    (run: (url: URL, grant: Grant) => Promise<{ claims(): unknown }>): Subject =>
    async (grant) => {
      current = grant;
      const tokens = await run(new URL(grant.callback), grant);
      if (!tokens.claims()) throw new Error('no ID token claims');
    };
  const samples = {
    codegrantVerifying: [] as number[],
    codegrantUnverified: [] as number[],
    openidClient: [] as number[],
    openidClientVerifying: [] as number[],
    joseJwtVerify: [] as number[],
  };
  const subjects: Record<keyof typeof samples, Subject> = {
    codegrantVerifying: grantWith((url, grant) => codegrant.authorizationCodeGrant(ours, url, checks(grant))),
    codegrantUnverified: grantWith((url, grant) =>
      codegrant.authorizationCodeGrant(ours, url, { ...checks(grant), skipIdTokenSignatureCheck: true }),
    ),
    openidClient: grantWith((url, grant) => openid.authorizationCodeGrant(theirsDefault, url, checks(grant))),
    openidClientVerifying: grantWith((url, grant) =>
      openid.authorizationCodeGrant(theirsVerifying, url, checks(grant)),
    ),
    joseJwtVerify: (grant) =>
      jwtVerify(grant.idToken, publicKey, { issuer: ISSUER, audience: CLIENT_ID, algorithms: ['ES256'] }),
  };
  const names = Object.keys(samples) as Array<keyof typeof samples>;

  const warmup = await signGrants(privateKey, WARMUP_OPS);
  for (const name of names) for (const grant of warmup) await subjects[name](grant);
  for (let round = 0; round < rounds; round++) {
    // Fresh tokens each round; within a round every subject sees the same ones, each once.
    const grants = await signGrants(privateKey, ops);
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const started = performance.now();
      for (const grant of grants) await subjects[name](grant);
      samples[name].push(((performance.now() - started) * 1000) / ops);
    }
  }
  const micros = (name: keyof typeof samples) => median(samples[name]);
  // Each round's ratio compares runs a few milliseconds apart, under the same load.
  const ratio = (ours: keyof typeof samples, theirs: keyof typeof samples) =>
    median(samples[ours].map((value, round) => value / samples[theirs][round]!));
  return {
    codegrantVerifyingMicros: micros('codegrantVerifying'),
    codegrantUnverifiedMicros: micros('codegrantUnverified'),
    openidClientMicros: micros('openidClient'),
    openidClientVerifyingMicros: micros('openidClientVerifying'),
    joseJwtVerifyMicros: micros('joseJwtVerify'),
    verifyingRatio: ratio('codegrantVerifying', 'openidClientVerifying'),
    unverifiedRatio: ratio('codegrantUnverified', 'openidClient'),
    joseJwtVerifyRatio: ratio('joseJwtVerify', 'openidClientVerifying'),
  };
}

/** `count` distinct grants, each ID token signed now (distinct `jti`, `nonce`, `at_hash`). */
async function signGrants(privateKey: CryptoKey, count: number): Promise<Grant[]> {
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const state = codegrant.randomState();
      const nonce = codegrant.randomNonce();
      const accessToken = codegrant.randomState();
      const hash = new Uint8Array(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)),
      );
      const idToken = await new SignJWT({
        nonce,
        at_hash: Buffer.from(hash.subarray(0, 16)).toString('base64url'),
        auth_time: now,
        jti: codegrant.randomState(),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'bench-key' })
        .setIssuer(ISSUER)
        .setSubject('user-0123456789')
        .setAudience(CLIENT_ID)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
      const callback = new URL(REDIRECT_URI);
      callback.search = new URLSearchParams({ code: codegrant.randomState(), state, iss: ISSUER }).toString();
      const body = JSON.stringify({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: codegrant.randomState(),
        scope: 'openid profile email offline_access',
        id_token: idToken,
      });
      return { callback: callback.href, state, nonce, idToken, body };
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The report as a table with the ratios and whether each target is met. */
export function formatClientGrantReport(report: ClientGrantReport): string {
  const row = (label: string, micros: number) =>
    `  ${label.padEnd(44)} ${micros.toFixed(1).padStart(7)} µs/op`;
  const ratio = (label: string, value: number, target: number) =>
    `  ${label.padEnd(44)} ${value.toFixed(3).padStart(7)}×  (target ≤ ${target}: ${value <= target ? 'met' : 'NOT met'})`;
  return [
    'authorizationCodeGrant, in-process customFetch, ES256 ID token (median of rounds):',
    row('@codegrant/client (signature verified)', report.codegrantVerifyingMicros),
    row('@codegrant/client (skipIdTokenSignatureCheck)', report.codegrantUnverifiedMicros),
    row('openid-client (default: no signature check)', report.openidClientMicros),
    row('openid-client (enableNonRepudiationChecks)', report.openidClientVerifyingMicros),
    row('jose.jwtVerify of the same token (reference)', report.joseJwtVerifyMicros),
    ratio('verifying: ours / openid-client', report.verifyingRatio, CLIENT_GRANT_TARGETS.verifyingRatio),
    ratio(
      'unverified: ours / openid-client default',
      report.unverifiedRatio,
      CLIENT_GRANT_TARGETS.unverifiedRatio,
    ),
    `  ${'bare jose.jwtVerify / openid-client verifying'.padEnd(44)} ${report.joseJwtVerifyRatio.toFixed(3).padStart(7)}×  (the signature check alone)`,
  ].join('\n');
}

/** Whether a source file of `@codegrant/client` is newer than the `dist` this bench imports. */
function staleDist(): boolean {
  const resolved = fileURLToPath(import.meta.resolve('@codegrant/client'));
  if (!resolved.endsWith('.js')) return false; // the sources (codegrant-source condition)
  const newest = (dir: string) =>
    Math.max(...readdirSync(dir, { recursive: true }).map((file) => statSync(`${dir}/${file}`).mtimeMs));
  const client = fileURLToPath(new URL('../packages/client', import.meta.url));
  // tsc -b leaves unchanged outputs alone, but always rewrites its build info.
  const built = Math.max(newest(`${client}/dist`), statSync(`${client}/tsconfig.tsbuildinfo`).mtimeMs);
  return newest(`${client}/src`) > built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (staleDist()) console.warn('warning: packages/client/src is newer than its dist: `npm run build` first');
  const { values } = parseArgs({ options: { ops: { type: 'string' }, rounds: { type: 'string' } } });
  const report = await measureClientGrant({
    ops: values.ops ? Number(values.ops) : undefined,
    rounds: values.rounds ? Number(values.rounds) : undefined,
  });
  console.log(formatClientGrantReport(report));
}

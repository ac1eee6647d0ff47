/**
 * Many processes, one server: two `codegrant serve` processes, as operators run them, on one
 * PostgreSQL schema and with one issuer (as behind a load balancer), each reached on its own port.
 * A sign-in started on one finishes on the other, a code minted on one redeems on the other, and
 * redemptions raced over both have exactly one winner. Killing one mid-load loses no issued grant.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier, randomToken } from '@codegrant/protocol';
import { sha256 } from '@codegrant/server';
import { openPostgresStore, type PostgresStore } from '@codegrant/server/postgres';
import { readForm, TestBrowser } from '../../server/test/helpers/browser.ts';
import { obtainCode, tokenRequest } from '../../server/test/helpers/codes.ts';
import { startTestPostgres, type TestPostgres } from '../../server/test/helpers/postgres.ts';
import { signIn } from '../../server/test/helpers/sign-in.ts';
import { codegrant, freePort, removeTempDir, type Serving, startServe, stopServe } from './helpers/cli.ts';

const REDIRECT_URI = 'http://127.0.0.1:9999/callback';
const USER = { username: 'mia', password: 'mia password 123' };

let pg: TestPostgres;
let schema: string;
/** The test's own connection to the schema, for minting codes straight into the store. */
let store: PostgresStore;
let a: Serving;
let b: Serving;
/** The issuer both processes share: process A's address. */
let issuer: string;
/** Process B, reached directly. */
let urlB: string;
let userId: string;
let client: { clientId: string; clientSecret: string };

before(async () => {
  pg = await startTestPostgres();
  schema = pg.schemaName();
  const url = new URL(pg.url);
  url.searchParams.set('schema', schema);
  const db = url.href;

  // Both commands migrate the fresh schema at once: the migration lock serializes them.
  const [user, added] = await Promise.all([
    codegrant(['users', 'add', USER.username, '--password', USER.password, '--db', db]),
    codegrant(['clients', 'add', '--redirect-uri', REDIRECT_URI, '--first-party', '--db', db]),
  ]);
  assert.equal(user.code, 0, user.stderr);
  assert.equal(added.code, 0, added.stderr);
  const output = JSON.parse(added.stdout) as { client_id: string; client_secret: string };
  client = { clientId: output.client_id, clientSecret: output.client_secret };

  const [portA, portB] = [await freePort(), await freePort()];
  issuer = `http://localhost:${portA}`;
  urlB = `http://localhost:${portB}`;
  const common = ['--issuer', issuer, '--db', db, '--log', 'off'];
  // One after the other: the first start of a fresh schema creates the signing keys.
  a = await startServe(['--port', String(portA), ...common]);
  b = await startServe(['--port', String(portB), ...common]);

  store = await openPostgresStore(pg.url, { schema, max: 2 });
  const found = await store.findUserByUsername(USER.username);
  assert.ok(found);
  userId = found.id;
});

after(async () => {
  try {
    // A was killed by the last test, unless a test failed before.
    const running = [a, b].filter((s) => s && s.child.exitCode === null && s.child.signalCode === null);
    await Promise.all(running.map(stopServe));
  } finally {
    await store?.close();
    await pg?.dispose();
    await removeTempDir();
  }
});

/** `url` (on the issuer, process A) sent to process B instead, as a load balancer may. */
function onB(url: string): string {
  const target = new URL(url);
  assert.equal(target.origin, issuer);
  return `${urlB}${target.pathname}${target.search}`;
}

/** What the tests read of a token response, success or error. */
interface TokenBody {
  access_token?: string;
  refresh_token?: string;
  error?: string;
}

/** The JSON body and status of a token request to `base` (either process). */
async function token(
  base: string,
  params: Record<string, string>,
): Promise<{ status: number; body: TokenBody }> {
  const response = await tokenRequest(base, params, client);
  return { status: response.status, body: (await response.json()) as TokenBody };
}

function userinfo(base: string, accessToken: string): Promise<Response> {
  return fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
}

/** The grant of a code, as the store has it. */
async function grantOfCode(code: string) {
  const [row] = await pg.sql<{ id: string; code_consumed_at: string | null; revoked_at: string | null }[]>`
    SELECT id, code_consumed_at, revoked_at FROM ${pg.sql(schema)}.grants WHERE code_hash = ${sha256(code)}`;
  assert.ok(row, 'the grant exists');
  return row;
}

async function refreshTokensOfGrant(grantId: string): Promise<number> {
  const [row] = await pg.sql<{ count: number }[]>`
    SELECT COUNT(*)::int AS count FROM ${pg.sql(schema)}.refresh_tokens WHERE grant_id = ${grantId}`;
  return row!.count;
}

/** `count` requests of `send` at once, alternating between process A (even) and B (odd). */
function overBoth<T>(count: number, send: (base: string) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => send(i % 2 === 0 ? issuer : urlB)));
}

it('finishes on B a sign-in started on A, redeems on B a code minted on A, and A accepts the tokens', async () => {
  const browser = new TestBrowser();
  const verifier = randomPKCECodeVerifier();
  const authorize = new URL(`${issuer}/authorize`);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile offline_access',
    state: 'state-1',
    code_challenge: await calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();

  // A: the authorization request, then its login page.
  const started = await browser.fetch(authorize);
  assert.equal(started.status, 303);
  const page = await browser.fetch(new URL(started.headers.get('location')!, issuer));
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.match(html, /type="password"/);
  const form = readForm(html);

  // B: the login form, with the browser's cookies of the issuer (a browser does not tell ports apart).
  const login = await fetch(onB(form.action), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: browser.cookieHeader(new URL(issuer).host),
    },
    body: new URLSearchParams({ ...form.hidden, ...USER }),
  });
  assert.equal(login.status, 303, await login.text());

  // A again: the interaction B completed goes on to the client without another login page.
  const { callbackUrl, pagesShown } = await signIn(
    browser,
    new URL(login.headers.get('location')!, issuer),
    REDIRECT_URI,
    undefined,
  );
  assert.deepEqual(pagesShown, []);
  assert.equal(callbackUrl.searchParams.get('iss'), issuer);
  const code = callbackUrl.searchParams.get('code');
  assert.ok(code);

  const redeemed = await token(urlB, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
  assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
  assert.ok(redeemed.body.access_token);

  const info = await userinfo(issuer, redeemed.body.access_token);
  assert.equal(info.status, 200);
  assert.equal(((await info.json()) as { sub: string }).sub, userId);
});

it('gives one of 20 concurrent redemptions of a code over both processes the tokens, and only one', async () => {
  const obtained = await obtainCode(issuer, client.clientId, REDIRECT_URI, USER);
  const params = {
    grant_type: 'authorization_code',
    code: obtained.code,
    redirect_uri: REDIRECT_URI,
    code_verifier: obtained.verifier,
  };
  const results = await overBoth(20, (base) => token(base, params));

  const winners = results.filter((r) => r.status === 200);
  assert.equal(winners.length, 1, JSON.stringify(results.map((r) => r.status)));
  const losers = results.filter((r) => r.status !== 200);
  assert.deepEqual(
    losers.map((r) => [r.status, r.body.error]),
    Array.from({ length: 19 }, () => [400, 'invalid_grant']),
  );

  // The losers' replays revoked the grant: the winner's tokens no longer work, on either process.
  const accessToken = winners[0]!.body.access_token!;
  assert.equal((await userinfo(issuer, accessToken)).status, 401);
  assert.equal((await userinfo(urlB, accessToken)).status, 401);
  const grant = await grantOfCode(obtained.code);
  assert.notEqual(grant.revoked_at, null);
  assert.equal(await refreshTokensOfGrant(grant.id), 1, "the winner's refresh token, no loser's");
});

it('rotates a refresh token once under 20 concurrent refreshes over both processes', async () => {
  const obtained = await obtainCode(issuer, client.clientId, REDIRECT_URI, USER);
  const first = await token(issuer, {
    grant_type: 'authorization_code',
    code: obtained.code,
    redirect_uri: REDIRECT_URI,
    code_verifier: obtained.verifier,
  });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const refreshToken = first.body.refresh_token;
  assert.ok(refreshToken);

  const results = await overBoth(20, (base) =>
    token(base, { grant_type: 'refresh_token', refresh_token: refreshToken }),
  );
  const winners = results.filter((r) => r.status === 200);
  assert.equal(winners.length, 1, JSON.stringify(results.map((r) => r.status)));
  assert.ok(results.every((r) => r.status === 200 || r.body.error === 'invalid_grant'));

  // The first refresh token and one successor: the losers stored none.
  const grant = await grantOfCode(obtained.code);
  assert.equal(await refreshTokensOfGrant(grant.id), 2);
  // Reusing a rotated token revoked the grant (no grace period): the successor is refused too.
  const successor = await token(urlB, {
    grant_type: 'refresh_token',
    refresh_token: winners[0]!.body.refresh_token!,
  });
  assert.deepEqual([successor.status, successor.body.error], [400, 'invalid_grant']);
});

it('loses no issued grant when process A is killed mid-load, and B keeps serving', async () => {
  const total = 200;
  const concurrency = 16;
  /** A dies once this many redemptions have succeeded: mid-load, both processes busy. */
  const killAfter = 60;

  // Minted straight into the store, as the authorize endpoint stores them: 200 logins (scrypt)
  // through the browser would take longer than the whole test.
  const verifier = randomPKCECodeVerifier();
  const codeChallenge = await calculatePKCECodeChallenge(verifier);
  const now = Math.floor(Date.now() / 1000);
  const codes = Array.from({ length: total }, () => randomToken());
  for (const code of codes) {
    await store.insertGrant({
      id: randomToken(16),
      clientId: client.clientId,
      userId,
      scopes: ['openid', 'offline_access'],
      authTime: now,
      amr: ['pwd'],
      nonce: null,
      redirectUri: REDIRECT_URI,
      codeHash: sha256(code),
      codeChallenge,
      resources: [],
      dpopJkt: null,
      claims: null,
      sid: null,
      codeExpiresAt: now + 60,
      codeConsumedAt: null,
      revokedAt: null,
      createdAt: now,
      expiresAt: now + 60,
    });
  }

  interface Outcome {
    code: string;
    base: string;
    /** 0: no HTTP answer (the connection was refused or cut). */
    status: number;
    body: TokenBody | null;
    sentAfterKill: boolean;
  }
  const outcomes: Outcome[] = [];
  let successes = 0;
  let killed = false;
  const aExited = once(a.child, 'exit');
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const code = codes[index]!;
      const base = index % 2 === 0 ? issuer : urlB;
      const sentAfterKill = killed;
      let outcome: Outcome;
      try {
        const { status, body } = await token(base, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        });
        outcome = { code, base, status, body, sentAfterKill };
      } catch {
        outcome = { code, base, status: 0, body: null, sentAfterKill };
      }
      outcomes.push(outcome);
      if (outcome.status === 200 && ++successes === killAfter) {
        a.child.kill('SIGKILL');
        killed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const [, signal] = await aExited;
  assert.equal(signal, 'SIGKILL');

  const onA = outcomes.filter((o) => o.base === issuer);
  const onB = outcomes.filter((o) => o.base === urlB);
  assert.ok(
    onA.some((o) => o.status === 0),
    'requests to A failed after the kill',
  );
  assert.ok(onA.every((o) => o.status === 200 || o.status === 0));
  assert.ok(onB.filter((o) => o.sentAfterKill).length > 0, 'B got requests after the kill');
  assert.deepEqual(
    onB.filter((o) => o.status !== 200).map((o) => [o.status, o.body]),
    [],
    'B answered every request, before and after the kill',
  );

  // Every answered redemption is in the store: the grant redeemed, not revoked, its refresh token kept.
  const granted = outcomes.filter((o) => o.status === 200);
  for (const { code } of granted) {
    const grant = await grantOfCode(code);
    assert.notEqual(grant.code_consumed_at, null);
    assert.equal(grant.revoked_at, null);
    assert.equal(await refreshTokensOfGrant(grant.id), 1);
  }
  // And the tokens A issued before it died work on B.
  for (const { body } of granted.filter((o) => o.base === issuer)) {
    assert.equal((await userinfo(urlB, body!.access_token!)).status, 200);
  }
  // A code whose redemption got no answer is still redeemable on B, unless A redeemed it just
  // before dying (then it was never delivered: at most the requests A had in flight).
  const unanswered = outcomes.filter((o) => o.status === 0);
  let spentByA = 0;
  for (const { code } of unanswered) {
    if ((await grantOfCode(code)).code_consumed_at !== null) {
      spentByA++;
      continue;
    }
    const retried = await token(urlB, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
  }
  assert.ok(spentByA <= concurrency, `${spentByA} codes spent by A without an answer`);

  const discovery = await fetch(`${urlB}/.well-known/openid-configuration`);
  assert.equal(discovery.status, 200);
  assert.equal(((await discovery.json()) as { issuer: string }).issuer, issuer);
});

/**
 * The claims request parameter (OpenID Connect Core §5.5) on our server, with openid-client as the
 * relying party: claims in the ID token and UserInfo without their scope, kept by the grant for
 * refreshes, named on the consent page; `essential` (no error for what is unavailable), `acr`
 * `value`/`values` honoured like `acr_values` (an essential one fails the request when unmet), a
 * `sub` value; inside request objects and PAR; and the refusals of malformed requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { readForm, TestBrowser } from './helpers/browser.ts';
import { configureOpenidClient } from './helpers/openid-client.ts';
import { answerPage, type EndUser, signIn } from './helpers/sign-in.ts';
import { addClient, addUser, startTestServer, type TestServer } from './helpers/test-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const alice = { username: 'alice', password: 'alice has a long password' };
const noah = { username: 'noah', password: 'noah has no email address' };
const gus = { username: 'gus', password: 'gus has an authenticator' };
const GUS_SECRET = new Secret({ size: 20 }).base32;

/** The authorization request of one code flow, `extra` added (`claims` among them). */
async function authorizationRequest(extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  return {
    checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
    parameters: {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    },
  };
}

/** `claims` as JSON text. */
const claims = (request: unknown) => ({ claims: JSON.stringify(request) });

describe('the claims request parameter', () => {
  let server: TestServer;
  let firstParty: oidc.Configuration;
  let thirdParty: oidc.Configuration;
  let jar: oidc.Configuration;
  let jarKey: CryptoKey;
  let aliceId: string;

  before(async () => {
    server = await startTestServer();
    aliceId = await addUser(server.store, alice.username, alice.password, {
      email: 'alice@example.com',
      name: 'Alice Liddell',
    });
    await addUser(server.store, noah.username, noah.password);
    const gusId = await addUser(server.store, gus.username, gus.password, { email: 'gus@example.com' });
    await server.store.saveTotp({
      userId: gusId,
      secret: GUS_SECRET,
      confirmedAt: Math.floor(Date.now() / 1000),
      lastStep: 0,
      createdAt: Math.floor(Date.now() / 1000),
    });
    const first = await addClient(server.store, { redirectUris: [REDIRECT_URI], firstParty: true });
    firstParty = await configureOpenidClient(server.issuer, first.clientId, first.clientSecret);
    const third = await addClient(server.store, { redirectUris: [REDIRECT_URI], name: 'Third Party' });
    thirdParty = await configureOpenidClient(server.issuer, third.clientId, third.clientSecret);
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    jarKey = pair.privateKey;
    const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'jar-1', alg: 'ES256', use: 'sig' };
    const signer = await addClient(server.store, {
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      jwks: JSON.stringify({ keys: [jwk] }),
    });
    jar = await configureOpenidClient(server.issuer, signer.clientId, signer.clientSecret);
  });
  after(() => server.close());

  /** A code flow for `user` with `extra` parameters; its tokens. */
  async function flow(
    config: oidc.Configuration,
    extra: Record<string, string>,
    user: EndUser = alice,
    browser = new TestBrowser(),
  ) {
    const { parameters, checks } = await authorizationRequest(extra);
    const { callbackUrl } = await signIn(
      browser,
      oidc.buildAuthorizationUrl(config, parameters),
      REDIRECT_URI,
      user,
    );
    return oidc.authorizationCodeGrant(config, callbackUrl, checks);
  }

  /** Where an authorization request with `extra` sends the browser back, for a refused request. */
  async function refusedWith(config: oidc.Configuration, extra: Record<string, string>, user = alice) {
    const { parameters } = await authorizationRequest(extra);
    const { callbackUrl } = await signIn(
      new TestBrowser(),
      oidc.buildAuthorizationUrl(config, parameters),
      REDIRECT_URI,
      user,
    );
    return {
      error: callbackUrl.searchParams.get('error'),
      description: callbackUrl.searchParams.get('error_description') ?? '',
    };
  }

  it('is advertised with the claims it knows', () => {
    const metadata = firstParty.serverMetadata();
    assert.equal(metadata.claims_parameter_supported, true);
    assert.ok(metadata.claims_supported?.includes('email'));
  });

  it('brings email into the ID token without the email scope, and keeps it on refresh', async () => {
    const tokens = await flow(firstParty, {
      scope: 'openid offline_access',
      ...claims({ id_token: { email: { essential: true }, email_verified: null } }),
    });
    const idToken = tokens.claims()!;
    assert.equal(idToken.email, 'alice@example.com');
    assert.equal(idToken.email_verified, true);
    assert.equal(idToken.name, undefined, 'only what was asked');
    assert.equal(tokens.scope, 'openid offline_access', 'no scope was added');
    const userinfo = await oidc.fetchUserInfo(firstParty, tokens.access_token, idToken.sub);
    assert.deepEqual(userinfo, { sub: aliceId }, 'UserInfo was asked for nothing');

    const refreshed = await oidc.refreshTokenGrant(firstParty, tokens.refresh_token!);
    assert.equal(refreshed.claims()?.email, 'alice@example.com', 'the grant keeps the claims request');
  });

  it('brings claims into UserInfo without their scope, and only there', async () => {
    const tokens = await flow(
      firstParty,
      claims({ userinfo: { name: null, email: null, phone_number: null } }),
    );
    assert.equal(tokens.claims()!.name, undefined);
    const userinfo = await oidc.fetchUserInfo(firstParty, tokens.access_token, tokens.claims()!.sub);
    assert.deepEqual(userinfo, {
      sub: aliceId,
      name: 'Alice Liddell',
      email: 'alice@example.com',
    });
  });

  it('leaves out unavailable claims, essential or not, and ignores unknown ones and members', async () => {
    const tokens = await flow(
      firstParty,
      claims({
        id_token: { email: { essential: true }, 'https://example.com/shoe_size': { essential: true } },
        userinfo: { email: { essential: true } },
        other_member: { anything: true },
      }),
      noah,
    );
    assert.equal(tokens.claims()!.email, undefined, 'noah has no address: no error either');
    const userinfo = await oidc.fetchUserInfo(firstParty, tokens.access_token, tokens.claims()!.sub);
    assert.deepEqual(Object.keys(userinfo), ['sub']);
  });

  it('names the claims on the consent page, and remembers the consent to them', async () => {
    const browser = new TestBrowser();
    const { parameters, checks } = await authorizationRequest(claims({ id_token: { email: null } }));
    let response = await browser.fetch(oidc.buildAuthorizationUrl(thirdParty, parameters));
    let consentPage = '';
    let email: unknown;
    for (let hop = 0; hop < 10 && email === undefined; hop++) {
      if (response.status === 303) {
        const location = new URL(response.headers.get('location')!, server.issuer);
        if (location.href.startsWith(REDIRECT_URI)) {
          email = (await oidc.authorizationCodeGrant(thirdParty, location, checks)).claims()!.email;
          continue;
        }
        response = await browser.fetch(location);
        continue;
      }
      const html = await response.text();
      const answer = answerPage(html, alice)!;
      if (answer.page === 'consent') consentPage = html;
      const form = readForm(html);
      response = await browser.postForm(form.action, { ...form.hidden, ...answer.fields });
    }
    assert.equal(email, 'alice@example.com');
    assert.match(consentPage, /Read your email address \(<code>email<\/code>\)/);
    assert.match(consentPage, /Know who you are/, 'the openid scope as before');

    // Consented once: the same request goes through; another claim asks again.
    const again = await signIn(
      browser,
      oidc.buildAuthorizationUrl(
        thirdParty,
        (await authorizationRequest(claims({ id_token: { email: null } }))).parameters,
      ),
      REDIRECT_URI,
      alice,
    );
    assert.deepEqual(again.pagesShown, []);
    const more = await signIn(
      browser,
      oidc.buildAuthorizationUrl(
        thirdParty,
        (await authorizationRequest(claims({ userinfo: { name: null } }))).parameters,
      ),
      REDIRECT_URI,
      alice,
    );
    assert.deepEqual(more.pagesShown, ['consent']);
    // A claim its scope already released asks nothing more.
    const scoped = await signIn(
      browser,
      oidc.buildAuthorizationUrl(
        thirdParty,
        (await authorizationRequest({ scope: 'openid profile', ...claims({ id_token: { name: null } }) }))
          .parameters,
      ),
      REDIRECT_URI,
      alice,
    );
    assert.deepEqual(scoped.pagesShown, ['consent'], 'the profile scope is new');
    const consent = await server.store.findConsent(aliceId, thirdParty.clientMetadata().client_id);
    assert.deepEqual(consent?.scopes.sort(), ['claim:email', 'claim:name', 'openid', 'profile']);
  });

  it('refuses malformed claims as invalid_request at the redirect URI', async () => {
    for (const malformed of [
      '{"id_token": {"email": null',
      '["email"]',
      '"email"',
      '{"id_token": ["email"]}',
      '{"userinfo": {"email": true}}',
      '{"id_token": {"email": {"essential": "yes"}}}',
      '{"id_token": {"acr": {"values": "2"}}}',
    ]) {
      const refused = await refusedWith(firstParty, { claims: malformed });
      assert.equal(refused.error, 'invalid_request', malformed);
      assert.match(refused.description, /claims/, malformed);
    }
  });

  it('refuses malformed claims at /par at once, and takes well-formed ones there', async () => {
    const { parameters, checks } = await authorizationRequest({ claims: '{"id_token":' });
    const refused = await oidc.buildAuthorizationUrlWithPAR(firstParty, parameters).then(
      () => assert.fail('pushed'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof oidc.ResponseBodyError);
    assert.equal(refused.error, 'invalid_request');
    const pushed = await oidc.buildAuthorizationUrlWithPAR(firstParty, {
      ...parameters,
      ...claims({ id_token: { email: null } }),
    });
    const { callbackUrl } = await signIn(new TestBrowser(), pushed, REDIRECT_URI, alice);
    const tokens = await oidc.authorizationCodeGrant(firstParty, callbackUrl, checks);
    assert.equal(tokens.claims()!.email, 'alice@example.com');
  });

  it('reads claims from a signed request object (as an object there, Core §6.1)', async () => {
    const { parameters, checks } = await authorizationRequest(claims({ id_token: { email: null } }));
    const url = await oidc.buildAuthorizationUrlWithJAR(jar, parameters, { key: jarKey, kid: 'jar-1' });
    const { callbackUrl } = await signIn(new TestBrowser(), url, REDIRECT_URI, alice);
    const tokens = await oidc.authorizationCodeGrant(jar, callbackUrl, checks);
    assert.equal(tokens.claims()!.email, 'alice@example.com');
  });

  it('is ignored without the openid scope (no ID token, no UserInfo for it to shape)', async () => {
    const { parameters, checks } = await authorizationRequest({
      scope: 'profile',
      claims: '{"id_token": {"acr": {"essential": true, "values": ["9"]}}}',
    });
    const { callbackUrl } = await signIn(
      new TestBrowser(),
      oidc.buildAuthorizationUrl(firstParty, parameters),
      REDIRECT_URI,
      alice,
    );
    const { expectedNonce: _, ...withoutNonce } = checks;
    const tokens = await oidc.authorizationCodeGrant(firstParty, callbackUrl, withoutNonce);
    assert.equal(tokens.id_token, undefined);
  });

  describe('acr', () => {
    /** The authenticator app's current code for gus. */
    const gusCode = () =>
      new TOTP({
        secret: Secret.fromBase32(GUS_SECRET),
        digits: 6,
        period: 30,
        algorithm: 'SHA1',
      }).generate();

    /** A flow for gus: password, then the code when the second-factor page shows; its callback and pages. */
    async function gusFlow(extra: Record<string, string>) {
      const { parameters, checks } = await authorizationRequest(extra);
      const browser = new TestBrowser();
      const pages: string[] = [];
      let response = await browser.fetch(oidc.buildAuthorizationUrl(firstParty, parameters));
      for (let hop = 0; hop < 12; hop++) {
        if (response.status === 303) {
          const location = new URL(response.headers.get('location')!, server.issuer);
          if (location.href.startsWith(REDIRECT_URI)) return { callbackUrl: location, checks, pages };
          response = await browser.fetch(location);
          continue;
        }
        const html = await response.text();
        const form = readForm(html);
        if (html.includes('name="code"')) {
          pages.push('second-factor');
          response = await browser.postForm(form.action, { ...form.hidden, code: gusCode() });
          continue;
        }
        const answer = answerPage(html, gus)!;
        pages.push(answer.page);
        response = await browser.postForm(form.action, { ...form.hidden, ...answer.fields });
      }
      throw new Error('too many hops');
    }

    it('an essential acr the sign-in cannot reach fails with unmet_authentication_requirements', async () => {
      const refused = await refusedWith(
        firstParty,
        claims({ id_token: { acr: { essential: true, values: ['2'] } } }),
      );
      assert.equal(refused.error, 'unmet_authentication_requirements');
      const unknown = await refusedWith(
        firstParty,
        claims({ id_token: { acr: { essential: true, value: 'urn:example:loa:4' } } }),
      );
      assert.equal(unknown.error, 'unmet_authentication_requirements');
    });

    it('a voluntary acr is a wish: the sign-in goes on at what it reached', async () => {
      const tokens = await flow(firstParty, claims({ id_token: { acr: { values: ['2'] } } }));
      assert.equal(tokens.claims()!.acr, '1');
    });

    it('an essential acr the sign-in reaches is honoured, and stated', async () => {
      const tokens = await flow(
        firstParty,
        claims({ id_token: { acr: { essential: true, values: ['1', '2'] } } }),
      );
      assert.equal(tokens.claims()!.acr, '1');
      const wanted = await flow(firstParty, claims({ id_token: { acr: { essential: true, value: '1' } } }));
      assert.equal(wanted.claims()!.acr, '1');
    });

    it('asks a user with a second factor for it when the essential acr is 2, as acr_values=2 does', async () => {
      const { callbackUrl, checks, pages } = await gusFlow(
        claims({ id_token: { acr: { essential: true, values: ['2'] } } }),
      );
      assert.deepEqual(pages, ['login', 'second-factor']);
      const tokens = await oidc.authorizationCodeGrant(firstParty, callbackUrl, checks);
      assert.equal(tokens.claims()!.acr, '2');
      assert.deepEqual(tokens.claims()!.amr, ['pwd', 'otp', 'mfa']);
    });
  });

  describe('sub', () => {
    it('answers for the user the sub value names, and no one else', async () => {
      const browser = new TestBrowser();
      await flow(firstParty, {}, alice, browser);
      const asked = (sub: string, extra: Record<string, string> = {}) =>
        authorizationRequest({ ...claims({ id_token: { sub: { value: sub } } }), ...extra });

      // Alice's session answers for alice, silently.
      const same = await asked(aliceId, { prompt: 'none' });
      const silent = await signIn(
        browser,
        oidc.buildAuthorizationUrl(firstParty, same.parameters),
        REDIRECT_URI,
        undefined,
      );
      const tokens = await oidc.authorizationCodeGrant(firstParty, silent.callbackUrl, same.checks);
      assert.equal(tokens.claims()!.sub, aliceId);

      // Not for someone else: prompt=none cannot, and alice signing in again is refused.
      const other = await asked('someone-else', { prompt: 'none' });
      const none = await signIn(
        browser,
        oidc.buildAuthorizationUrl(firstParty, other.parameters),
        REDIRECT_URI,
        undefined,
      );
      assert.equal(none.callbackUrl.searchParams.get('error'), 'login_required');
      const interactive = await asked('someone-else');
      const signedIn = await signIn(
        browser,
        oidc.buildAuthorizationUrl(firstParty, interactive.parameters),
        REDIRECT_URI,
        alice,
      );
      assert.deepEqual(signedIn.pagesShown, ['login'], 'the session does not answer for another user');
      assert.equal(signedIn.callbackUrl.searchParams.get('error'), 'access_denied');
    });
  });
});

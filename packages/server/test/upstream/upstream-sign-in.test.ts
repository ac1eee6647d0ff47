/**
 * "Sign in with …" an upstream OpenID provider (`oidc-provider`), over HTTP: account creation,
 * linking by verified email (only when allowed, only verified on both sides), refusals, the second
 * factor after an upstream sign-in, and forged or replayed callbacks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuthorizationServer, MemoryStore } from '@codegrant/server';
import * as jose from 'jose';
import {
  type AccountsHarness,
  finishAtClient,
  linkHref,
  openLoginPage,
  startAccountsHarness,
  submitForm,
} from '../helpers/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { addUser } from '../helpers/test-server.ts';
import { reserveUpstreamProvider, type UpstreamProviderServer } from '../helpers/upstream-provider.ts';

/**
 * From our login page, "Sign in with Corp" as `login` at the upstream provider (its development
 * login and consent pages), back to us: the first response of ours after the upstream callback.
 */
async function signInUpstream(h: AccountsHarness, browser: TestBrowser, loginPage: string, login: string) {
  let response = await browser.fetch(linkHref(loginPage, 'Sign in with Corp'));
  let url = '';
  for (let hop = 0; hop < 15; hop++) {
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url || h.idp.issuer).href;
      response = await browser.fetch(url);
      if (url.startsWith(`${h.idp.issuer}/upstream/callback`)) return { response, callbackUrl: url };
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    assert.ok(action && prompt, `unexpected upstream page ${response.status}: ${html.slice(0, 300)}`);
    const fields: Record<string, string> =
      prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
    response = await browser.postForm(new URL(action, url), fields);
  }
  throw new Error('too many hops');
}

describe('sign in with an upstream OpenID provider (oidc-provider)', () => {
  let upstream: UpstreamProviderServer;
  let h: AccountsHarness;
  before(async () => {
    upstream = await reserveUpstreamProvider({
      uma: { email: 'uma@corp.example', email_verified: true, name: 'Uma' },
      vic: { email: 'vic@corp.example', email_verified: true, name: 'Vic' },
      wes: { email: 'wes@corp.example', email_verified: false, name: 'Wes' },
      xia: { email: 'xia@corp.example', email_verified: true, name: 'Xia' },
    });
    h = await startAccountsHarness({
      accounts: { totp: true },
      upstreamProviders: [
        {
          id: 'corp',
          name: 'Corp',
          issuer: upstream.issuer,
          clientId: upstream.clientId,
          clientSecret: upstream.clientSecret,
          linkByVerifiedEmail: true,
          allowInsecureRequests: true,
        },
      ],
    });
    await upstream.start(`${h.idp.issuer}/upstream/callback`);
  });
  after(async () => {
    await h.close();
    await upstream.close();
  });

  it('creates an account for someone new, linked, and signs them in to the app', async () => {
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    assert.match(pending.loginPage, /Sign in with Corp/);
    const { response } = await signInUpstream(h, browser, pending.loginPage, 'uma');
    assert.equal(response.status, 303);
    const tokens = await finishAtClient(h, browser, response.headers.get('location')!, pending);
    const user = await h.idp.store.findUserByUsername('uma@corp.example');
    assert.ok(user, 'named by the address the provider verified');
    assert.equal(user.emailVerified, true);
    assert.equal(user.name, 'Uma');
    assert.equal(user.passwordHash, '', 'no password: it signs in through the provider');
    const claims = jose.decodeJwt(tokens.id_token);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.acr, undefined, 'how the provider authenticated is not claimed');
    assert.deepEqual(await h.idp.store.listUpstreamIdentities(user.id), [
      {
        provider: 'corp',
        subject: 'uma',
        userId: user.id,
        email: 'uma@corp.example',
        createdAt: h.clock.now,
        lastUsedAt: h.clock.now,
      },
    ]);

    // The next time, the same account (found by the link, not the address).
    h.clock.now += 60;
    const again = new TestBrowser();
    const second = await openLoginPage(h, again);
    const { response: back } = await signInUpstream(h, again, second.loginPage, 'uma');
    const tokens2 = await finishAtClient(h, again, back.headers.get('location')!, second);
    assert.equal(jose.decodeJwt(tokens2.id_token).sub, user.id);
    assert.equal((await h.idp.store.findUpstreamIdentity('corp', 'uma'))?.lastUsedAt, h.clock.now);
  });

  it('links to the account with the same verified address when allowed', async () => {
    const vicId = await addUser(h.idp.store, 'vic', 'the password of vic', { email: 'vic@corp.example' });
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const { response } = await signInUpstream(h, browser, pending.loginPage, 'vic');
    const tokens = await finishAtClient(h, browser, response.headers.get('location')!, pending);
    assert.equal(jose.decodeJwt(tokens.id_token).sub, vicId);
    assert.equal((await h.idp.store.findUpstreamIdentity('corp', 'vic'))?.userId, vicId);
  });

  it('never links on an address the provider did not verify, nor creates a second account for it', async () => {
    const wesId = await addUser(h.idp.store, 'wes', 'the password of wes', { email: 'wes@corp.example' });
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const { response } = await signInUpstream(h, browser, pending.loginPage, 'wes');
    assert.equal(response.status, 403);
    assert.match(await response.text(), /already uses w•••@corp\.example/);
    assert.equal(await h.idp.store.findUpstreamIdentity('corp', 'wes'), null);
    assert.deepEqual(
      (await h.idp.store.findUsersByEmail('wes@corp.example')).map((user) => user.id),
      [wesId],
    );
  });

  it('never links to an account whose own address is unverified', async () => {
    await addUser(h.idp.store, 'xia', 'the password of xia', { email: 'xia@corp.example' });
    const xia = (await h.idp.store.findUserByUsername('xia'))!;
    await h.idp.store.updateUser({ ...xia, emailVerified: false });
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const { response } = await signInUpstream(h, browser, pending.loginPage, 'xia');
    assert.equal(response.status, 403, 'whoever typed that address here never proved it');
    assert.equal(await h.idp.store.findUpstreamIdentity('corp', 'xia'), null);
  });

  it('asks the linked account for its second factor after the provider', async () => {
    const uma = (await h.idp.store.findUserByUsername('uma@corp.example'))!;
    await h.idp.store.saveTotp({
      userId: uma.id,
      secret: 'JBSWY3DPEHPK3PXP',
      confirmedAt: h.clock.now,
      lastStep: 0,
      createdAt: h.clock.now,
    });
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const { response } = await signInUpstream(h, browser, pending.loginPage, 'uma');
    const page = await browser.fetch(new URL(response.headers.get('location')!, h.idp.issuer));
    assert.match(await page.text(), /Two-step verification/);
    await h.idp.store.deleteTotp(uma.id);
  });

  it('refuses a callback not started in this browser, and a replayed one', async () => {
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    // Follow the upstream until its answer, but do not deliver it yet.
    let response = await browser.fetch(linkHref(pending.loginPage, 'Sign in with Corp'));
    let url = '';
    let callbackUrl = '';
    for (let hop = 0; hop < 15 && !callbackUrl; hop++) {
      const location = response.headers.get('location');
      if (location) {
        url = new URL(location, url || h.idp.issuer).href;
        if (url.startsWith(`${h.idp.issuer}/upstream/callback`)) callbackUrl = url;
        else response = await browser.fetch(url);
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
      const prompt = /name="prompt" value="(\w+)"/.exec(html)![1]!;
      response = await browser.postForm(
        new URL(action, url),
        prompt === 'login' ? { prompt, login: 'uma', password: 'x' } : { prompt },
      );
    }
    // Another browser (an attacker handing the victim their callback, or the reverse) gets nothing.
    const elsewhere = await new TestBrowser().fetch(callbackUrl);
    assert.equal(elsewhere.status, 400);
    assert.match(await elsewhere.text(), /not started in this browser/);
    // A tampered state fails the check, and the flow is used up.
    const tampered = await browser.fetch(callbackUrl.replace(/state=[^&]+/, 'state=tampered'));
    assert.equal(tampered.status, 400);
    assert.match(await tampered.text(), /could not be verified/);
    const replay = await browser.fetch(callbackUrl);
    assert.equal(replay.status, 400, 'the flow cookie was cleared: a callback works once');
  });

  it('refuses an error answer of the provider with the reason, and the sign-in can go on', async () => {
    const browser = new TestBrowser();
    const pending = await openLoginPage(h, browser);
    const start = await browser.fetch(linkHref(pending.loginPage, 'Sign in with Corp'));
    const state = new URL(start.headers.get('location')!).searchParams.get('state');
    const denied = await browser.fetch(
      `${h.idp.issuer}/upstream/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(upstream.issuer)}`,
    );
    assert.equal(denied.status, 400);
    const html = await denied.text();
    assert.match(html, /You did not allow it/);
    const tokens = await finishAtClient(h, browser, linkHref(html, 'Back to sign in'), pending, {
      username: 'vic',
      password: 'the password of vic',
    });
    assert.ok(tokens.access_token);
  });
});

describe('sign in with a plain OAuth 2.0 provider (endpoints and user info, no discovery)', () => {
  it('creates the account from the user info, the address unverified unless the provider is said to verify', async () => {
    const upstream = await reserveUpstreamProvider({
      ada: { email: 'ada@corp.example', email_verified: true, name: 'Ada' },
    });
    const h = await startAccountsHarness({
      upstreamProviders: [
        {
          id: 'corp',
          name: 'Corp',
          authorizationEndpoint: `${upstream.issuer}/auth`,
          tokenEndpoint: `${upstream.issuer}/token`,
          userinfoEndpoint: `${upstream.issuer}/me`,
          // This provider's user info needs the openid scope; its ID token is not used.
          scopes: ['openid', 'email', 'profile'],
          clientId: upstream.clientId,
          clientSecret: upstream.clientSecret,
          allowInsecureRequests: true,
        },
      ],
    });
    try {
      await upstream.start(`${h.idp.issuer}/upstream/callback`);
      const browser = new TestBrowser();
      const pending = await openLoginPage(h, browser);
      const { response } = await signInUpstream(h, browser, pending.loginPage, 'ada');
      assert.equal(response.status, 303, await response.clone().text());
      await finishAtClient(h, browser, response.headers.get('location')!, pending);
      const ada = await h.idp.store.findUserByUsername('ada@corp.example');
      assert.equal(ada?.name, 'Ada');
      assert.equal(
        ada?.emailVerified,
        false,
        'a plain OAuth 2.0 provider vouches for nothing unless configured to',
      );
      assert.equal((await h.idp.store.findUpstreamIdentity('corp', 'ada'))?.userId, ada?.id);
    } finally {
      await h.close();
      await upstream.close();
    }
  });
});

describe('upstream providers, configured wrong', () => {
  it('are refused at start with the reason', async () => {
    const bad = [
      [{ id: 'Bad Id', name: 'x', issuer: 'https://x.example', clientId: 'c' }, /lower-case/],
      [
        { id: 'oauth', name: 'x', authorizationEndpoint: 'https://x.example/a', clientId: 'c' },
        /needs an issuer/,
      ],
    ] as const;
    for (const [provider, reason] of bad) {
      await assert.rejects(
        createAuthorizationServer({
          issuer: 'http://localhost:4000',
          store: new MemoryStore(),
          upstreamProviders: [provider],
        }),
        reason,
      );
    }
  });

  it('a provider that cannot be reached fails its own button only', async () => {
    const h = await startAccountsHarness({
      upstreamProviders: [
        {
          id: 'down',
          name: 'Down',
          issuer: 'http://127.0.0.1:9',
          clientId: 'c',
          allowInsecureRequests: true,
        },
      ],
    });
    try {
      await addUser(h.idp.store, 'yan', 'the password of yan');
      const browser = new TestBrowser();
      const pending = await openLoginPage(h, browser);
      const down = await browser.fetch(linkHref(pending.loginPage, 'Sign in with Down'));
      assert.equal(down.status, 502);
      assert.match(await down.text(), /Down cannot be reached/);
      const signedIn = await submitForm(browser, pending.loginPage, {
        username: 'yan',
        password: 'the password of yan',
      });
      assert.equal(signedIn.status, 303, 'the password still works');
    } finally {
      await h.close();
    }
  });
});

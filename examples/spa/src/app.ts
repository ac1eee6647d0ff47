/**
 * The example single-page app: plain TypeScript on the DOM, bundled by esbuild (`build.ts`). It
 * signs in with a redirect or a popup, shows the user, calls a protected endpoint with the access
 * token, renews silently (automatically, or with the button) and signs out — with
 * `@codegrant/browser`'s `UserManager`. Its settings come from the page (`#spa-config`, JSON).
 */
import { IndexedDbDPoPStore, type User, UserManager, UserManagerError } from '@codegrant/browser';
import type { SpaConfig } from './config.ts';

const config = JSON.parse(document.getElementById('spa-config')!.textContent!) as SpaConfig;
const { origin } = location;

const userManager = new UserManager({
  authority: config.authority,
  client_id: config.client_id,
  redirect_uri: `${origin}/callback`,
  post_logout_redirect_uri: `${origin}/signed-out`,
  scope: config.scope ?? 'openid profile email offline_access',
  automaticSilentRenew: config.automaticSilentRenew ?? true,
  loadUserInfo: config.loadUserInfo ?? true,
  dpop: config.dpop ? { store: new IndexedDbDPoPStore() } : undefined,
});

/** What the end-to-end tests read and drive (`page.evaluate`). */
const spa = { userManager, log: [] as string[], ready: false };
(globalThis as { spa?: typeof spa }).spa = spa;

const $ = (id: string) => document.getElementById(id)!;

function log(entry: string): void {
  spa.log.push(entry);
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${entry}`;
  $('log').prepend(item);
}

function showError(err: unknown): void {
  const text = err instanceof UserManagerError ? `${err.code}: ${err.message}` : String(err);
  $('error').textContent = text;
  log(`error ${err instanceof UserManagerError ? err.code : 'unknown'}`);
}

function render(user: User | null): void {
  document.body.dataset.signedIn = String(!!user);
  $('status').textContent = user ? `Signed in as ${user.profile.name ?? user.profile.sub}` : 'Signed out';
  const rows: Array<[string, string]> = user
    ? [
        ['sub', user.profile.sub],
        ['name', String(user.profile.name ?? '')],
        ['email', String(user.profile.email ?? '')],
        ['token type', user.token_type],
        ['scope', user.scope ?? ''],
        [
          'access token expires',
          user.expires_at ? new Date(user.expires_at * 1000).toLocaleTimeString() : '?',
        ],
        ['refresh token', user.refresh_token ? 'yes' : 'no'],
      ]
    : [];
  $('user').replaceChildren(
    ...rows
      .filter(([, value]) => value) // the ID token may carry no name or email (UserInfo has them)
      .flatMap(([name, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = name;
        const dd = document.createElement('dd');
        dd.textContent = value;
        return [dt, dd];
      }),
  );
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-needs-user]')) {
    button.disabled = !user;
  }
}

/** Runs a button's action, its error shown. */
function on(id: string, action: () => Promise<unknown>): void {
  $(id).addEventListener('click', () => {
    $('error').textContent = '';
    action().catch(showError);
  });
}

async function callApi(): Promise<void> {
  const response = await userManager.fetchProtectedResource(config.api ?? `${config.authority}/userinfo`);
  let body = await response.text();
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {}
  $('api-result').textContent = `HTTP ${response.status}\n${body}`;
  log(`api ${response.status}`);
}

async function start(): Promise<void> {
  const events = userManager.events;
  events.addUserLoaded((user) => {
    log('userLoaded');
    render(user);
  });
  events.addUserUnloaded(() => {
    log('userUnloaded');
    render(null);
  });
  events.addAccessTokenExpiring(() => log('accessTokenExpiring'));
  events.addAccessTokenExpired(() => log('accessTokenExpired'));
  events.addSilentRenewError((err) => showError(err));
  events.addUserSignedOut(() => log('userSignedOut'));

  const path = location.pathname;
  if (path === '/callback') {
    try {
      const user = await userManager.signinCallback();
      if (!user) {
        $('status').textContent = 'Signed in: this window closes.';
        return; // a popup or the silent iframe: the waiting window takes over
      }
      history.replaceState(null, '', (user.state as { returnTo?: string } | undefined)?.returnTo ?? '/');
    } catch (err) {
      history.replaceState(null, '', '/');
      showError(err);
    }
  } else if (path === '/signed-out') {
    try {
      if (!(await userManager.signoutCallback())) return; // a popup: its opener closes it
      log('signed out');
    } catch (err) {
      showError(err);
    }
    history.replaceState(null, '', '/');
  }

  on('signin-redirect', () => userManager.signinRedirect({ state: { returnTo: '/' } }));
  on('signin-popup', async () => {
    await userManager.signinPopup();
    log('signed in (popup)');
  });
  on('renew', () => userManager.signinSilent());
  on('call-api', callApi);
  on('signout-redirect', () => userManager.signoutRedirect());
  on('signout-popup', async () => {
    await userManager.signoutPopup();
    log('signed out (popup)');
  });

  render(await userManager.getUser());
  spa.ready = true;
  document.body.dataset.ready = 'true';
}

start().catch(showError);

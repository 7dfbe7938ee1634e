/** The devhub console: sign-in, then a shell with one view per hash route (#/devices, ...). */
import 'uplot/dist/uPlot.min.css';
import '../style.css';
import { Api, ApiError, type Permission } from './api';
import type { App } from './app';
import { h, notice, replace } from './dom';
import { CredentialsError, parseSasToken, parseServiceConnectionString, type PolicyCredentials } from './sas';
import { forgetSignIn, loadSignIn, saveSignIn } from './session';
import { LiveStream } from './stream';
import { commandsView } from './views/commands';
import { devicesView } from './views/devices';
import { overviewView } from './views/overview';
import { routingView } from './views/routing';
import { telemetryView } from './views/telemetry';

const root = document.getElementById('app') as HTMLElement;

type View = (app: App, main: HTMLElement) => (() => void) | void;
const VIEWS: { hash: string; label: string; view: View }[] = [
  { hash: '#/overview', label: 'Overview', view: overviewView },
  { hash: '#/devices', label: 'Devices', view: devicesView },
  { hash: '#/telemetry', label: 'Telemetry', view: telemetryView },
  { hash: '#/commands', label: 'Commands', view: commandsView },
  { hash: '#/routing', label: 'Routing', view: routingView },
];

function credentialsFrom(secret: string): PolicyCredentials {
  const s = secret.trim();
  if (!s) throw new CredentialsError('Paste a connection string or a SAS token.');
  if (/^sharedaccesssignature\s/i.test(s)) return parseSasToken(s, Math.floor(Date.now() / 1000));
  return parseServiceConnectionString(s);
}

async function signIn(secret: string): Promise<App> {
  const credentials = credentialsFrom(secret);
  const api = new Api(credentials);
  const { data } = await api.call<{
    policy: string;
    permissions: Permission[];
    hubName: string;
    hostName: string;
    deviceHostName?: string;
  }>('GET', '/auth/policy');
  const permissions = new Set(data.permissions);
  const app: App = {
    api,
    policy: data.policy,
    hubName: data.hubName,
    // Devices connect to the device front door (a function URL's host on a deployed hub), not to this API.
    deviceHostName: data.deviceHostName || credentials.hostName,
    permissions,
    stream: permissions.has('ServiceConnect') ? new LiveStream(api) : undefined,
    can: (p) => permissions.has(p),
    pickedMessage: undefined,
    navigate: (hash) => {
      location.hash = hash;
    },
  };
  return app;
}

function showSignIn(message?: string): void {
  const secret = h('textarea', {
    id: 'secret',
    rows: 3,
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
    placeholder: 'HostName=…;SharedAccessKeyName=iothubowner;SharedAccessKey=…',
  });
  const remember = h('input', { type: 'checkbox', id: 'remember' });
  const out = h('div', { class: 'messages' });
  if (message) out.append(notice('error', message));
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'devhub console'),
    h('label', { for: 'secret' }, 'Connection string of a shared access policy, or a policy SAS token'),
    secret,
    h('label', { class: 'check' }, remember, ' Remember on this device'),
    h(
      'p',
      { class: 'hint', id: 'key-note' },
      'Your key stays in this browser: the page signs short-lived tokens with Web Crypto and sends only those. ',
      'It is kept for this tab only (session storage) and forgotten when the tab closes, unless you tick “Remember”, ',
      'which keeps it in this browser’s local storage until you sign out.',
    ),
    submit,
    out,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    out.replaceChildren(notice('info', 'Signing in…'));
    signIn(secret.value)
      .then((app) => {
        saveSignIn(secret.value.trim(), remember.checked);
        showShell(app);
      })
      .catch((err: unknown) => {
        out.replaceChildren(notice('error', describe(err)));
        submit.disabled = false;
        secret.focus();
      });
  });
  replace(root, h('main', { class: 'signin-page' }, form));
  secret.focus();
}

function describe(err: unknown): string {
  if (err instanceof ApiError || err instanceof CredentialsError) return err.message;
  return `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
}

let teardown: (() => void) | void;

function showShell(app: App): void {
  const nav = h(
    'nav',
    { 'aria-label': 'Console sections' },
    VIEWS.map((v) => h('a', { href: v.hash, 'data-hash': v.hash }, v.label)),
  );
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    forgetSignIn();
    app.stream?.stop();
    window.removeEventListener('hashchange', render);
    location.hash = '';
    showSignIn();
  });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const perms = (['RegistryRead', 'RegistryWrite', 'ServiceConnect'] as const).map((p) =>
    h('span', { class: app.can(p) ? 'badge yes' : 'badge no', title: app.can(p) ? `has ${p}` : `lacks ${p}` }, p),
  );
  replace(
    root,
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      {},
      h('span', { class: 'brand' }, 'devhub'),
      h('span', { class: 'hub', title: 'hub name' }, app.hubName),
      h('span', { class: 'policy' }, 'policy ', h('strong', {}, app.policy), ' ', perms),
      signOut,
    ),
    nav,
    main,
  );
  app.stream?.start('latest');
  function render(): void {
    const current = VIEWS.find((v) => v.hash === location.hash) ?? VIEWS[0];
    if (!current) return;
    for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.getAttribute('data-hash') === current.hash);
    if (teardown) teardown();
    main.replaceChildren();
    try {
      teardown = current.view(app, main);
    } catch (err) {
      main.append(notice('error', describe(err)));
    }
  }
  window.addEventListener('hashchange', render);
  if (!VIEWS.some((v) => v.hash === location.hash)) history.replaceState(null, '', '#/overview');
  render();
}

// Never a blank page: anything unexpected is shown.
window.addEventListener('unhandledrejection', (e) => showFatal(e.reason));
window.addEventListener('error', (e) => showFatal(e.error ?? e.message));

function showFatal(err: unknown): void {
  const box = document.getElementById('fatal') ?? h('div', { id: 'fatal' });
  replace(box, notice('error', describe(err)));
  if (!box.isConnected) document.body.prepend(box);
}

function boot(): void {
  const saved = loadSignIn();
  if (!saved) return showSignIn();
  replace(root, h('p', { class: 'boot' }, 'Signing in…'));
  signIn(saved.secret)
    .then(showShell)
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 0) return showSignIn(describe(err));
      forgetSignIn();
      showSignIn(describe(err));
    });
}

boot();

// Entry point: restores the session from sessionStorage (or shows the login), routes between the
// screens by the URL fragment (#map, #inbox/ID, #record, #overview), and re-renders on a
// language change. The token is never put in a URL.

import 'leaflet/dist/leaflet.css';
import './styles.css';

import { renderBanners } from './alerts';
import { confirmDialog, tickCountdowns } from './views/common';
import { h } from './dom';
import { applyToDocument, onLangChange, t } from './i18n';
import { isParty, maybeSession } from './state';
import { isUnauthorized, login, logout, savedToken } from './sync';
import { mountInbox } from './views/inbox';
import { mountLogin } from './views/login';
import { mountMapView } from './views/mapview';
import { mountOverview } from './views/overview';
import { mountRecord } from './views/record';
import { mountShell, type Route, type Shell } from './views/shell';

const root = document.getElementById('app') as HTMLElement;
let shell: Shell | null = null;
let unmountView: (() => void) | null = null;
let currentKey = '';

function parseRoute(): { route: Route; arg: string | null } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [head = '', ...rest] = raw.split('/');
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : null;
  const s = maybeSession();
  const def: Route = s && !isParty(s) ? 'overview' : 'inbox';
  if (head === 'map' || head === 'inbox' || head === 'record') return { route: head, arg };
  if (head === 'overview' && s && !isParty(s)) return { route: 'overview', arg };
  return { route: def, arg: null };
}

function renderRoute(force = false): void {
  if (!shell) return;
  const { route, arg } = parseRoute();
  const key = `${route}/${arg ?? ''}`;
  if (!force && key === currentKey) return;
  const sameScreen = currentKey.split('/')[0] === route;
  currentKey = key;
  unmountView?.();
  unmountView = null;
  shell.main.replaceChildren();
  shell.setRoute(route);
  const main = shell.main;
  main.dataset['route'] = route;
  switch (route) {
    case 'map':
      unmountView = mountMapView(main, arg ?? undefined);
      break;
    case 'inbox':
      unmountView = mountInbox(main, arg);
      break;
    case 'record':
      unmountView = mountRecord(main);
      break;
    case 'overview':
      unmountView = mountOverview(main);
      break;
  }
  if (!sameScreen && !force) main.focus({ preventScroll: true });
  else if (route === 'inbox' && arg && !force) document.getElementById('thread-title')?.focus({ preventScroll: false });
}

function startApp(): void {
  shell?.destroy();
  shell = mountShell(root, () => void doLogout());
  renderBanners();
  currentKey = '';
  renderRoute(true);
  shell.main.focus({ preventScroll: true });
}

async function doLogout(): Promise<void> {
  const s = maybeSession();
  if (s) {
    const draft = sessionStorage.getItem(`deconflict.draft.${s.me.party}`);
    if (draft && draft.includes('"lat"')) {
      const ok = await confirmDialog(t('logout.title'), h('p', null, t('logout.draftBody')), t('logout.ok'), true);
      if (!ok) return;
    }
  }
  unmountView?.();
  unmountView = null;
  shell?.destroy();
  shell = null;
  logout();
  history.replaceState(null, '', location.pathname);
  showLogin();
}

function showLogin(err?: unknown): void {
  mountLogin(root, startApp, err);
}

onLangChange(() => {
  if (shell) {
    unmountView?.();
    unmountView = null;
    startApp();
  } else showLogin();
});

window.addEventListener('hashchange', () => renderRoute());
setInterval(tickCountdowns, 1000);

async function boot(): Promise<void> {
  applyToDocument();
  const token = savedToken();
  if (!token) {
    showLogin();
    return;
  }
  root.replaceChildren(h('p', { class: 'loading', attrs: { role: 'status' } }, t('login.checking')));
  try {
    await login(token);
    startApp();
  } catch (e) {
    if (isUnauthorized(e)) logout();
    showLogin(e);
  }
}

void boot();

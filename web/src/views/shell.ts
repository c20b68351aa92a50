// The frame around every screen: navigation, the caller's identity and role, the connection to
// the event stream, clocks in UTC and local time, language, sound and logout.

import { h, field, replace } from '../dom';
import { fmtClock, fmtLocal, fmtUtc, lang, LANGS, setLang, t, data, type Lang, type Text } from '../i18n';
import { isMuted, setMuted } from '../alerts';
import { isParty, session, subscribe } from '../state';
import { reconnectNow, unacknowledgedCount } from '../sync';

export type Route = 'map' | 'inbox' | 'record' | 'overview';

export function languageSelect(): HTMLElement {
  const sel = h(
    'select',
    {
      attrs: { 'data-testid': 'lang' },
      on: { change: (ev) => setLang((ev.target as HTMLSelectElement).value as Lang) },
    },
    LANGS.map((l) => h('option', { props: { value: l, selected: l === lang() }, attrs: { lang: l } }, t(`lang.${l}`))),
  );
  return field(t('shell.language'), sel, undefined, 'compact');
}

function connText(): { text: Text; cls: string } {
  const c = session().conn;
  switch (c.state) {
    case 'open':
      return { text: t('conn.live'), cls: 'ok' };
    case 'connecting':
      return { text: t('conn.connecting'), cls: 'warn' };
    case 'waiting':
      return { text: t('conn.retry', { s: fmtClock(Math.max(0, (c.retryAt - Date.now()) / 1000)) }), cls: 'bad' };
    case 'unauthorized':
      return { text: t('conn.unauthorized'), cls: 'bad' };
    case 'stopped':
      return { text: t('conn.stopped'), cls: 'bad' };
  }
}

export interface Shell {
  main: HTMLElement;
  setRoute(r: Route): void;
  destroy(): void;
}

export function mountShell(host: HTMLElement, onLogout: () => void): Shell {
  const s = session();
  const party = isParty(s);
  const main = h('main', { id: 'main', attrs: { tabindex: -1 } });
  const conn = h('div', { class: 'conn', attrs: { 'data-testid': 'conn' } });
  const clock = h('div', { class: 'clock', attrs: { 'aria-hidden': 'true' } });
  const inboxBadge = h('span', { class: 'count', attrs: { 'data-testid': 'inbox-count' } });
  let route: Route = 'map';

  const link = (r: Route, label: Text, extra?: HTMLElement) =>
    h('a', { class: 'navlink', attrs: { href: `#${r}`, 'data-route': r, 'data-testid': `nav-${r}` } }, label, extra ?? null);

  const nav = h(
    'nav',
    { attrs: { 'aria-label': t('shell.nav') } },
    party ? null : link('overview', t('nav.overview')),
    link('inbox', party ? t('nav.inbox') : t('nav.threads'), inboxBadge),
    link('map', party ? t('nav.map') : t('nav.mapAll')),
    link('record', t('nav.record')),
  );

  const sound = h(
    'label',
    { class: 'check sound' },
    h('input', {
      props: { type: 'checkbox', checked: !isMuted() },
      attrs: { 'data-testid': 'sound' },
      on: { change: (ev) => setMuted(!(ev.target as HTMLInputElement).checked) },
    }),
    t('shell.sound'),
  );

  const roleText = s.me.role === 'party' ? t('role.party') : s.me.role === 'coordinator' ? t('role.coordinator') : t('role.observer');
  replace(
    host,
    h('a', { class: 'skip', attrs: { href: '#main' }, on: { click: (ev) => { ev.preventDefault(); main.focus(); } } }, t('shell.skip')),
    h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), t('app.title')),
      nav,
      h(
        'div',
        { class: 'topbar-right' },
        conn,
        clock,
        h('div', { class: 'who', attrs: { 'data-testid': 'who' } }, h('strong', null, data(s.me.party)), data(' · '), roleText),
        languageSelect(),
        sound,
        h('button', { class: 'btn ghost small', props: { type: 'button' }, attrs: { 'data-testid': 'logout' }, on: { click: onLogout } }, t('shell.logout')),
      ),
    ),
    h('div', { id: 'alerts', class: 'alerts' }),
    main,
  );

  function renderConn(): void {
    const c = connText();
    conn.className = `conn ${c.cls}`;
    conn.dataset['state'] = session().conn.state;
    replace(
      conn,
      h('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } }),
      c.text,
      session().conn.state === 'waiting'
        ? h('button', { class: 'btn ghost small', props: { type: 'button' }, on: { click: reconnectNow } }, t('conn.now'))
        : null,
    );
  }

  function renderClock(): void {
    const now = new Date();
    replace(clock, h('span', { class: 'utc' }, fmtUtc(now)), h('span', { class: 'local' }, fmtLocal(now, false)));
  }

  function renderBadge(): void {
    const n = unacknowledgedCount();
    inboxBadge.textContent = n ? String(n) : '';
    inboxBadge.classList.toggle('hot', n > 0);
    inboxBadge.setAttribute('aria-label', n ? t('shell.waiting', { n }) : '');
  }

  renderConn();
  renderClock();
  renderBadge();
  const timer = setInterval(() => {
    renderClock();
    if (session().conn.state === 'waiting') renderConn();
  }, 1000);
  const unsubs = [subscribe('conn', renderConn), subscribe('conflicts', renderBadge)];

  return {
    main,
    setRoute(r: Route) {
      route = r;
      nav.querySelectorAll<HTMLAnchorElement>('a[data-route]').forEach((a) => {
        if (a.dataset['route'] === route) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      });
    },
    destroy() {
      clearInterval(timer);
      unsubs.forEach((u) => u());
    },
  };
}

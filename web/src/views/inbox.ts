// The inbox: notices sorted by deadline with a countdown and one-click acknowledgement; the
// selected conflict's thread opens beside the list.

import { bdi, h, replace } from '../dom';
import { data, t, type Text } from '../i18n';
import { conflictTypeLabel, windowLabel } from '../map';
import {
  coordinatorOrder,
  inboxOrder,
  isLive,
  isParty,
  maxEscalation,
  needsMyAck,
  otherSide,
  ownSide,
  session,
  subscribe,
} from '../state';
import { upsertConflict } from '../sync';
import type { ConflictView } from '../types';
import { button, countdown, escalationBadge, kindText, sideState, statusBadge, withBusy } from './common';
import { mountThread } from './thread';

type Filter = 'live' | 'closed' | 'all';

export async function acknowledge(c: ConflictView, btn: HTMLButtonElement | null, errHost: HTMLElement | null): Promise<boolean> {
  const r = await withBusy(btn, errHost, async () => {
    const v = await session().api.ack(c.id);
    upsertConflict(v);
    return v;
  }, t('ack.failed'));
  return !!r;
}

export function partyLine(c: ConflictView): HTMLElement {
  const own = ownSide(c);
  const other = otherSide(c);
  if (own && other) {
    return h(
      'div',
      { class: 'card-sides' },
      h('span', { class: 'other' }, h('strong', null, bdi(data(other.callsign || '—'))), data(' ('), bdi(data(other.party)), data(', '), kindText(other.kind), data(')')),
      h('span', { class: 'vs' }, t('inbox.with')),
      h('span', { class: 'own' }, bdi(data(own.callsign || '—')), own.plan ? [data(' '), h('code', null, data(own.plan))] : null),
    );
  }
  return h(
    'div',
    { class: 'card-sides' },
    c.sides.map((sd, i) => [
      i ? h('span', { class: 'vs' }, data(' × ')) : null,
      h('span', null, h('strong', null, bdi(data(sd.callsign || '—'))), data(' ('), bdi(data(sd.party)), data(', '), kindText(sd.kind), data(')')),
    ]),
  );
}

function card(c: ConflictView, selected: boolean): HTMLElement {
  const mine = isParty();
  const need = mine && needsMyAck(c);
  const own = ownSide(c);
  const errHost = h('div');
  const ackBtn = need
    ? button(t('ack.button'), (ev) => {
        ev.stopPropagation();
        void acknowledge(c, ev.currentTarget as HTMLButtonElement, errHost);
      }, 'primary', 'ack')
    : null;
  const other = otherSide(c);
  const label: Text = other ? data(`${other.callsign} (${other.party})`) : data(c.sides.map((s) => s.callsign).join(' × '));
  return h(
    'li',
    {
      class: `card status-${c.status} ${need ? 'needs-ack' : ''} ${selected ? 'selected' : ''} ${maxEscalation(c) ? 'escalated' : ''}`,
      attrs: { 'data-testid': 'conflict-card', 'data-conflict-id': c.id, 'data-status': c.status, 'aria-current': selected ? 'true' : null },
    },
    h(
      'div',
      { class: 'card-head' },
      statusBadge(c),
      h('span', { class: 'badge' }, conflictTypeLabel(c.type)),
      escalationBadge(maxEscalation(c)),
      isLive(c) && c.status === 'open'
        ? countdown(c.deadline, mine ? !!own?.acknowledged_at : false)
        : null,
    ),
    h('a', { class: 'card-title', attrs: { href: `#inbox/${encodeURIComponent(c.id)}`, 'data-testid': 'open-thread', 'aria-label': t('inbox.openThread', { what: label }) } }, partyLine(c)),
    h('div', { class: 'card-meta' }, t('conflict.window'), data(': '), windowLabel(c)),
    mine && own
      ? h('div', { class: 'card-meta' }, t('inbox.otherSide'), data(' '), sideState(other ?? {}))
      : h('div', { class: 'card-meta' }, c.sides.map((s) => h('span', { class: 'side-inline' }, data(`${s.party}: `), sideState(s)))),
    ackBtn ? h('div', { class: 'actions' }, ackBtn) : null,
    errHost,
  );
}

export function mountInbox(host: HTMLElement, selectedId: string | null): () => void {
  const s = session();
  let filter: Filter = (sessionStorage.getItem('deconflict.inboxFilter') as Filter | null) ?? 'live';
  const listHost = h('div', { class: 'inbox-list' });
  const threadHost = h('div', { class: 'thread-host' });
  host.append(h('div', { class: 'inbox' }, listHost, threadHost));
  let unmountThread: (() => void) | null = null;

  function conflicts(): ConflictView[] {
    const all = [...s.conflicts.values()];
    const f = all.filter((c) => (filter === 'all' ? true : filter === 'live' ? isLive(c) : !isLive(c)));
    return f.sort(isParty(s) ? inboxOrder : coordinatorOrder);
  }

  function renderList(): void {
    const active = document.activeElement;
    const activeId = active instanceof HTMLElement ? active.closest<HTMLElement>('[data-conflict-id]')?.dataset['conflictId'] : undefined;
    const activeTestId = active instanceof HTMLElement ? active.dataset['testid'] : undefined;
    const list = conflicts();
    const counts = { live: 0, closed: 0, all: s.conflicts.size };
    for (const c of s.conflicts.values()) {
      if (isLive(c)) counts.live++;
      else counts.closed++;
    }
    const filterBtn = (f: Filter, label: Text) =>
      h(
        'button',
        {
          class: `seg ${filter === f ? 'active' : ''}`,
          props: { type: 'button' },
          attrs: { 'aria-pressed': String(filter === f), 'data-testid': `filter-${f}` },
          on: {
            click: () => {
              filter = f;
              sessionStorage.setItem('deconflict.inboxFilter', f);
              renderList();
            },
          },
        },
        label,
        data(` (${counts[f]})`),
      );
    replace(
      listHost,
      h('h2', null, t('inbox.title')),
      h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': t('inbox.filter') } }, filterBtn('live', t('inbox.live')), filterBtn('closed', t('inbox.closed')), filterBtn('all', t('inbox.all'))),
      list.length
        ? h('ul', { class: 'cards', attrs: { 'data-testid': 'inbox-list' } }, list.map((c) => card(c, c.id === selectedId)))
        : h('p', { class: 'empty' }, filter === 'live' ? t('inbox.emptyLive') : t('inbox.empty')),
    );
    // Keep keyboard focus where it was across re-renders.
    if (activeId) {
      const cardEl = listHost.querySelector<HTMLElement>(`[data-conflict-id="${CSS.escape(activeId)}"]`);
      const target = (activeTestId && cardEl?.querySelector<HTMLElement>(`[data-testid="${activeTestId}"]`)) || cardEl?.querySelector<HTMLElement>('a.card-title');
      target?.focus();
    }
  }

  function renderThread(): void {
    unmountThread?.();
    unmountThread = null;
    replace(threadHost);
    const c = selectedId ? s.conflicts.get(selectedId) : undefined;
    if (!selectedId) {
      threadHost.append(h('p', { class: 'empty' }, t('inbox.pick')));
      return;
    }
    if (!c) {
      threadHost.append(h('p', { class: 'empty' }, t('inbox.unknown', { id: selectedId })));
      return;
    }
    unmountThread = mountThread(threadHost, c.id);
  }

  renderList();
  renderThread();
  listHost.querySelector<HTMLElement>('.card.selected')?.scrollIntoView({ block: 'nearest' });
  const unsub = subscribe('conflicts', () => renderList());
  return () => {
    unsub();
    unmountThread?.();
  };
}

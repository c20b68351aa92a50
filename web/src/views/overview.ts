// The coordinator's (and observer's) overview: every party, and every conflict with the
// escalated and unacknowledged notices first.

import { bdi, h, replace } from '../dom';
import { data, t } from '../i18n';
import { conflictTypeLabel, windowLabel } from '../map';
import { coordinatorOrder, isLive, maxEscalation, session, subscribe } from '../state';
import { refreshConflicts } from '../sync';
import type { ConflictView } from '../types';
import { button, countdown, escalationBadge, kindText, sideState, statusBadge, withBusy } from './common';

export function mountOverview(host: HTMLElement): () => void {
  const s = session();
  const tiles = h('div', { class: 'tiles' });
  const partiesHost = h('div');
  const conflictsHost = h('div');
  const errHost = h('div');
  host.append(
    h(
      'div',
      { class: 'overview', attrs: { 'data-testid': 'overview' } },
      h('h2', null, t('overview.title')),
      h('p', { class: 'hint' }, s.me.role === 'observer' ? t('overview.hintObserver') : t('overview.hintCoordinator')),
      tiles,
      h('div', { class: 'list-tools' }, button(t('common.refresh'), (ev) => void withBusy(ev.currentTarget as HTMLButtonElement, errHost, refreshConflicts), 'ghost small')),
      errHost,
      h('section', { attrs: { 'aria-labelledby': 'ov-conflicts' } }, h('h3', { id: 'ov-conflicts' }, t('overview.conflicts')), conflictsHost),
      h('section', { attrs: { 'aria-labelledby': 'ov-parties' } }, h('h3', { id: 'ov-parties' }, t('overview.parties')), partiesHost),
    ),
  );

  function unacked(c: ConflictView): string[] {
    return c.status === 'open' ? c.sides.filter((sd) => !sd.acknowledged_at).map((sd) => sd.party) : [];
  }

  function render(): void {
    const all = [...s.conflicts.values()].sort(coordinatorOrder);
    const live = all.filter(isLive);
    const open = live.filter((c) => c.status === 'open');
    const escalated = open.filter((c) => maxEscalation(c) > 0);
    const overdue = open.filter((c) => c.deadline && Date.parse(c.deadline) < Date.now());
    const tile = (n: number, label: ReturnType<typeof t>, cls: string, testid: string) =>
      h('div', { class: `tile ${cls} ${n ? 'nonzero' : ''}`, attrs: { 'data-testid': testid } }, h('span', { class: 'tile-n' }, data(String(n))), h('span', { class: 'tile-label' }, label));
    replace(
      tiles,
      tile(escalated.length, t('overview.escalated'), 'danger', 'tile-escalated'),
      tile(open.length, t('overview.unacked'), 'warn', 'tile-unacked'),
      tile(overdue.length, t('overview.overdue'), 'danger', 'tile-overdue'),
      tile(live.length - open.length, t('overview.acked'), 'ok', 'tile-acked'),
      tile(all.length - live.length, t('overview.closed'), '', 'tile-closed'),
    );

    replace(
      conflictsHost,
      all.length === 0
        ? h('p', { class: 'empty' }, t('overview.noConflicts'))
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'overview-table', attrs: { 'data-testid': 'overview-conflicts' } },
              h('caption', { class: 'sr-only' }, t('overview.conflicts')),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { attrs: { scope: 'col' } }, t('overview.colStatus')),
                  h('th', { attrs: { scope: 'col' } }, t('overview.colSides')),
                  h('th', { attrs: { scope: 'col' } }, t('overview.colDeadline')),
                  h('th', { attrs: { scope: 'col' } }, t('overview.colWindow')),
                  h('th', { attrs: { scope: 'col' } }, t('overview.colWaiting')),
                ),
              ),
              h(
                'tbody',
                null,
                all.map((c) => {
                  const waiting = unacked(c);
                  return h(
                    'tr',
                    { class: `status-${c.status} ${maxEscalation(c) ? 'escalated' : ''}`, attrs: { 'data-testid': 'overview-row', 'data-conflict-id': c.id, 'data-status': c.status } },
                    h('td', null, statusBadge(c), escalationBadge(maxEscalation(c)), h('div', null, conflictTypeLabel(c.type))),
                    h(
                      'td',
                      null,
                      h(
                        'a',
                        { attrs: { href: `#inbox/${encodeURIComponent(c.id)}` } },
                        c.sides.map((sd, i) => [i ? data(' × ') : null, h('strong', null, bdi(data(sd.callsign || '—'))), data(' ('), bdi(data(sd.party)), data(', '), kindText(sd.kind), data(')')]),
                      ),
                      h('div', { class: 'side-states' }, c.sides.map((sd) => h('div', null, data(`${sd.party}: `), sideState(sd)))),
                    ),
                    h('td', null, c.status === 'open' ? countdown(c.deadline, false) : data('—')),
                    h('td', null, windowLabel(c)),
                    h('td', null, waiting.length ? h('strong', { class: 'warn-text' }, data(waiting.join(', '))) : data('—')),
                  );
                }),
              ),
            ),
          ),
    );

    replace(
      partiesHost,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'parties', attrs: { 'data-testid': 'parties' } },
          h('caption', { class: 'sr-only' }, t('overview.parties')),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { attrs: { scope: 'col' } }, t('overview.colParty')),
              h('th', { attrs: { scope: 'col' } }, t('overview.colRole')),
              h('th', { attrs: { scope: 'col' } }, t('overview.colLive')),
              h('th', { attrs: { scope: 'col' } }, t('overview.colUnacked')),
              h('th', { attrs: { scope: 'col' } }, t('overview.colPlans')),
            ),
          ),
          h(
            'tbody',
            null,
            s.parties.map((p) => {
              const mine = live.filter((c) => c.sides.some((sd) => sd.party === p.name));
              const waiting = open.filter((c) => unacked(c).includes(p.name));
              const plans = [...s.plans.values()].filter((pl) => pl.party === p.name && pl.status === 'active').length;
              return h(
                'tr',
                { class: waiting.length ? 'attention' : '' },
                h('th', { attrs: { scope: 'row' } }, h('strong', null, data(p.name)), h('div', { class: 'muted' }, data(p.display_name))),
                h('td', null, p.role === 'party' ? t('role.party') : p.role === 'coordinator' ? t('role.coordinator') : t('role.observer')),
                h('td', { class: 'num' }, data(String(mine.length))),
                h('td', { class: 'num' }, waiting.length ? h('strong', { class: 'warn-text' }, data(String(waiting.length))) : data('0')),
                h('td', { class: 'num' }, data(String(plans))),
              );
            }),
          ),
        ),
      ),
    );
  }

  render();
  const unsubs = [subscribe('conflicts', render), subscribe('plans', render)];
  const timer = setInterval(render, 30_000); // overdue counts move with the clock
  return () => {
    unsubs.forEach((u) => u());
    clearInterval(timer);
  };
}

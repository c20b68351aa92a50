// The map page: the caller's plans (coordinators and observers: everyone's) and conflicts on the
// map, the plan list with amend and cancel, the plan editor, and the time slider.

import { h, replace } from '../dom';
import { data, t } from '../i18n';
import { partyColor, MapView } from '../map';
import { isLive, isParty, session, subscribe } from '../state';
import { refreshPlans, upsertConflict } from '../sync';
import { planSpan } from '../geo';
import type { PlanView } from '../types';
import { button, confirmDialog, kindText, timeBoth, withBusy } from './common';
import { PlanEditor } from './editor';
import { TimeBar } from './timebar';

type Panel = 'list' | 'editor';

export function mountMapView(host: HTMLElement, focusConflict?: string): () => void {
  const s = session();
  const party = isParty(s);
  const mapEl = h('div', { class: 'map-canvas', attrs: { 'data-testid': 'map' } });
  const side = h('aside', { class: 'side', attrs: { 'aria-label': t('map.sideLabel') } });
  const timebarHost = h('div');
  host.append(
    h('div', { class: 'mapview' }, side, h('div', { class: 'map-col' }, mapEl, timebarHost)),
  );
  const map = new MapView(mapEl, t('map.label'));
  let editor: PlanEditor | null = null;
  let panel: Panel = party ? ((sessionStorage.getItem('deconflict.panel') as Panel | null) ?? 'list') : 'list';
  const hiddenParties = new Set<string>();
  let showCancelled = false;

  const timebar = new TimeBar({ onTime: (ms) => map.setTime(ms) });
  timebarHost.append(timebar.el);

  const listHost = h('div', { class: 'plan-list-host' });
  const panelHost = h('div', { class: 'panel-host' });

  const visiblePlans = (): PlanView[] =>
    [...s.plans.values()].filter((p) => (showCancelled || current(p)) && !hiddenParties.has(p.party));

  function drawMap(): void {
    const plans = visiblePlans();
    map.setPlans(plans, party ? s.me.party : null, !party);
    const conflicts = [...s.conflicts.values()].filter(
      (c) => isLive(c) || Date.now() - Date.parse(c.resolved_at ?? c.updated_at ?? '') < 24 * 3600_000,
    );
    map.setConflicts(conflicts);
    let min: number | null = null;
    let max: number | null = null;
    for (const p of plans) {
      const [a, b] = planSpan(p.feature);
      if (a !== null) min = min === null ? a : Math.min(min, a);
      if (b !== null) max = max === null ? b : Math.max(max, b);
    }
    for (const c of conflicts) {
      const a = Date.parse(c.window.start);
      const b = Date.parse(c.window.end);
      if (!Number.isNaN(a)) min = min === null ? a : Math.min(min, a);
      if (!Number.isNaN(b)) max = max === null ? b : Math.max(max, b);
    }
    timebar.setSpan(min, max);
  }

  /** Active, or pending a coordinator's approval (a zone that restricts other parties). */
  function current(p: PlanView): boolean {
    return p.status === 'active' || p.status === 'pending';
  }

  async function review(p: PlanView, approve: boolean, btn: HTMLButtonElement): Promise<void> {
    const reason = h('textarea', { props: { rows: 3, maxLength: 1000, required: !approve }, attrs: { 'data-testid': 'reject-reason', 'aria-label': t('plan.rejectReason') } }) as HTMLTextAreaElement;
    const ok = await confirmDialog(
      approve ? t('plan.approveTitle', { id: `${p.party}:${p.id}` }) : t('plan.rejectTitle', { id: `${p.party}:${p.id}` }),
      approve ? h('p', null, t('plan.approveBody')) : h('label', null, t('plan.rejectReason'), reason),
      approve ? t('plan.approve') : t('plan.reject'),
      !approve,
    );
    if (!ok) return;
    const errHost = btn.closest('.plan-item')?.querySelector<HTMLElement>('.plan-err') ?? null;
    await withBusy(btn, errHost, async () => {
      const r = await s.api.reviewPlan(`${p.party}:${p.id}`, p.version, approve, reason.value);
      for (const c of r.conflicts_opened) upsertConflict(c);
      for (const c of r.conflicts_resolved) upsertConflict(c);
      await refreshPlans();
    }, t('plan.reviewFailed'));
  }

  function openConflictCount(p: PlanView): number {
    let n = 0;
    for (const c of s.conflicts.values()) {
      if (!isLive(c)) continue;
      if (c.sides.some((sd) => sd.party === p.party && sd.plan === p.id)) n++;
    }
    return n;
  }

  function planItem(p: PlanView): HTMLElement {
    const f = p.feature;
    const [a, b] = planSpan(f);
    const n = openConflictCount(p);
    return h(
      'li',
      { class: `plan-item ${p.status}`, attrs: { 'data-testid': 'plan-item', 'data-plan-id': p.id } },
      h(
        'div',
        { class: 'plan-head' },
        h('span', { class: 'swatch', style: { background: partyColor(p.party, party ? s.me.party : null) }, attrs: { 'aria-hidden': 'true' } }),
        h('strong', null, data(f.properties.callsign || p.id)),
        h('span', { class: 'badge' }, kindText(f.properties.kind)),
        party ? null : h('span', { class: 'badge party' }, data(p.party)),
        p.status === 'cancelled' ? h('span', { class: 'badge muted' }, t('plan.cancelled')) : null,
        p.status === 'rejected' ? h('span', { class: 'badge muted' }, t('plan.rejected')) : null,
        p.status === 'completed' ? h('span', { class: 'badge muted' }, t('plan.completed')) : null,
        p.status === 'pending' ? h('span', { class: 'badge pending', attrs: { 'data-testid': 'plan-pending' } }, t('plan.pending')) : null,
      ),
      p.status === 'pending' ? h('div', { class: 'plan-meta hint' }, party ? t('plan.pendingOwner') : t('plan.pendingCoordinator')) : null,
      h('div', { class: 'plan-meta' }, h('code', null, data(p.id)), data(' · '), t('plan.version', { v: p.version })),
      a !== null || b !== null
        ? h('div', { class: 'plan-meta' }, timeBoth(a === null ? null : new Date(a).toISOString(), true), data(' → '), b === null ? t('plan.openEnded') : timeBoth(new Date(b).toISOString(), true))
        : h('div', { class: 'plan-meta' }, t('plan.always')),
      n ? h('div', null, h('a', { class: 'badge danger', attrs: { href: '#inbox' } }, t('plan.conflicts', { n }))) : null,
      h(
        'div',
        { class: 'actions' },
        button(t('plan.show'), () => {
          const g = f.geometry;
          map.fitPositions(g.type === 'Point' ? [g.coordinates] : g.type === 'LineString' ? g.coordinates : g.coordinates.flat());
        }, 'ghost small', 'show-plan'),
        party && current(p)
          ? button(t('plan.amend'), () => void startAmend(p), 'small', 'amend')
          : null,
        party && current(p)
          ? button(t('plan.cancel'), (ev) => void cancelPlan(p, ev.currentTarget as HTMLButtonElement), 'danger small', 'cancel-plan')
          : null,
        s.me.role === 'coordinator' && p.status === 'pending'
          ? button(t('plan.approve'), (ev) => void review(p, true, ev.currentTarget as HTMLButtonElement), 'primary small', 'approve-plan')
          : null,
        s.me.role === 'coordinator' && p.status === 'pending'
          ? button(t('plan.reject'), (ev) => void review(p, false, ev.currentTarget as HTMLButtonElement), 'danger small', 'reject-plan')
          : null,
      ),
      h('div', { class: 'plan-err' }),
    );
  }

  async function startAmend(p: PlanView): Promise<void> {
    if (editor?.hasUnsavedDraft()) {
      const ok = await confirmDialog(t('plan.replaceDraftTitle'), h('p', null, t('plan.replaceDraftBody')), t('plan.replaceDraftOk'), true);
      if (!ok) return;
    }
    try {
      // Take the newest version: the list may be older than the server.
      const { plan, version } = await s.api.getPlan(p.id);
      showPanel('editor');
      editor?.amend({ ...plan, version });
    } catch {
      showPanel('editor');
      editor?.amend(p);
    }
  }

  async function cancelPlan(p: PlanView, btn: HTMLButtonElement): Promise<void> {
    const ok = await confirmDialog(
      t('plan.cancelTitle', { id: p.id }),
      h('p', null, t('plan.cancelBody', { n: openConflictCount(p) })),
      t('plan.cancelOk'),
      true,
    );
    if (!ok) return;
    const errHost = btn.closest('.plan-item')?.querySelector<HTMLElement>('.plan-err') ?? null;
    await withBusy(btn, errHost, async () => {
      const r = await s.api.cancelPlan(p.id, p.version);
      for (const c of r.conflicts_resolved) upsertConflict(c);
      await refreshPlans();
    }, t('plan.cancelFailed'));
  }

  function renderList(): void {
    const plans = [...s.plans.values()]
      .filter((p) => showCancelled || current(p))
      .sort((a, b) => (planSpan(a.feature)[0] ?? 0) - (planSpan(b.feature)[0] ?? 0) || a.id.localeCompare(b.id));
    const parties = [...new Set([...s.plans.values()].map((p) => p.party))].sort();
    replace(
      listHost,
      h(
        'div',
        { class: 'list-tools' },
        h('label', { class: 'check' }, h('input', {
          props: { type: 'checkbox', checked: showCancelled },
          on: { change: (ev) => { showCancelled = (ev.target as HTMLInputElement).checked; renderList(); drawMap(); } },
        }), t('plan.showCancelled')),
        button(t('common.refresh'), (ev) => void withBusy(ev.currentTarget as HTMLButtonElement, listHost, refreshPlans), 'ghost small'),
      ),
      !party && parties.length
        ? h(
            'fieldset',
            { class: 'party-filter' },
            h('legend', null, t('map.parties')),
            parties.map((pt) =>
              h('label', { class: 'check' }, h('input', {
                props: { type: 'checkbox', checked: !hiddenParties.has(pt) },
                on: {
                  change: (ev) => {
                    if ((ev.target as HTMLInputElement).checked) hiddenParties.delete(pt);
                    else hiddenParties.add(pt);
                    drawMap();
                  },
                },
              }), h('span', { class: 'swatch', style: { background: partyColor(pt, null) }, attrs: { 'aria-hidden': 'true' } }), data(pt)),
            ),
          )
        : null,
      plans.length
        ? h('ul', { class: 'plan-list', attrs: { 'data-testid': 'plan-list' } }, plans.map(planItem))
        : h('p', { class: 'empty' }, party ? t('plan.noneParty') : t('plan.none')),
    );
  }

  function showPanel(p: Panel): void {
    panel = p;
    try {
      sessionStorage.setItem('deconflict.panel', p);
    } catch {
      /* ignore */
    }
    renderSide();
  }

  function renderSide(): void {
    if (!party) {
      replace(side, h('h2', null, t('map.allPlans')), listHost);
      renderList();
      return;
    }
    const tab = (p: Panel, label: ReturnType<typeof t>, testid: string) =>
      h(
        'button',
        {
          class: `tab ${panel === p ? 'active' : ''}`,
          props: { type: 'button' },
          attrs: { role: 'tab', 'aria-selected': String(panel === p), 'aria-controls': 'side-panel', 'data-testid': testid, tabindex: panel === p ? 0 : -1 },
          on: {
            click: () => showPanel(p),
            keydown: (ev) => {
              if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
                ev.preventDefault();
                showPanel(panel === 'list' ? 'editor' : 'list');
                side.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus();
              }
            },
          },
        },
        label,
      );
    replace(
      side,
      h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': t('map.sideLabel') } }, tab('list', t('map.tabPlans'), 'tab-plans'), tab('editor', t('map.tabEditor'), 'tab-editor')),
      h('div', { id: 'side-panel', class: 'panel', attrs: { role: 'tabpanel' } }, panelHost),
    );
    if (panel === 'list') {
      map.setClickHandler(null);
      replace(panelHost, h('h2', { class: 'sr-only' }, t('map.tabPlans')), listHost);
      renderList();
    } else {
      if (!editor) {
        editor = new PlanEditor({
          map,
          onDone: () => drawMap(),
          onDryRun: (list) => map.setDryRun(list),
        });
      }
      replace(panelHost, editor.el);
    }
  }

  renderSide();
  drawMap();
  setTimeout(() => {
    map.invalidate();
    const fc = focusConflict ? s.conflicts.get(focusConflict) : undefined;
    if (fc) map.focusConflict(fc, false);
    else map.fitEverything(visiblePlans(), [...s.conflicts.values()].filter(isLive));
  }, 0);

  const unsubs = [
    subscribe('plans', () => {
      drawMap();
      if (panel === 'list' || !party) renderList();
    }),
    subscribe('conflicts', () => {
      drawMap();
      if (panel === 'list' || !party) renderList();
    }),
  ];
  return () => {
    unsubs.forEach((u) => u());
    editor?.destroy();
    timebar.destroy();
    map.destroy();
  };
}

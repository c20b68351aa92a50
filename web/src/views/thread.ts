// One conflict: what it discloses, both sides' state, the deadline, the thread (propose a shift
// suggested by the engine, accept, reject, free text with a language tag), actions (acknowledge,
// accept as coordinated, apply a shift to the caller's own plan) and the resolution history
// from the signed receipt.

import { bdi, h, field, keepFocus, replace, download, type Child } from '../dom';
import { data, fmtDuration, fmtLatLon, fmtMeters, lang, LANGS, t, type Text } from '../i18n';
import { shiftFeature } from '../geo';
import { conflictTypeLabel, distanceText, MapView, sidesLabel } from '../map';
import { isLive, isParty, otherSide, ownSide, planKey, session, subscribe } from '../state';
import { loadThread, refreshPlans, upsertConflict } from '../sync';
import type { ConflictView, MessagePost, MessageView, Receipt, Suggestion } from '../types';
import { button, confirmDialog, countdown, errorBox, kindText, sideState, statusBadge, timeBoth, withBusy } from './common';
import { acknowledge, partyLine } from './inbox';
import { auditKindLabel, auditSummary } from './record';

function shiftText(shift: number): Text {
  return shift >= 0 ? t('shift.later', { d: fmtDuration(shift) }) : t('shift.earlier', { d: fmtDuration(-shift) });
}

/** Whose plan a proposal moves, from the caller's point of view. */
function proposalMovesParty(m: MessageView, c: ConflictView): string | undefined {
  if (m.subject === 'self') return m.party;
  const other = c.sides.find((sd) => sd.party !== m.party);
  return other?.party;
}

export function mountThread(host: HTMLElement, id: string): () => void {
  const s = session();
  const mine = isParty(s);
  const canPost = s.me.role !== 'observer';
  const root = h('article', { class: 'thread', attrs: { 'data-testid': 'thread', 'data-conflict-id': id } });
  host.append(root);
  const headHost = h('div');
  const actionsHost = h('div', { class: 'thread-actions' });
  const actionErr = h('div');
  const suggestHost = h('div');
  const mapEl = h('div', { class: 'mini-map' });
  const msgsHost = h('ol', { class: 'messages', attrs: { role: 'log', 'aria-label': t('thread.messages'), 'data-testid': 'messages' } });
  const composeHost = h('div', { class: 'compose' });
  const historyHost = h('div', { class: 'history' });
  let map: MapView | null = null;
  let lastHistoryAt = 0;
  let historyTimer: ReturnType<typeof setTimeout> | null = null;

  const conflict = (): ConflictView | undefined => s.conflicts.get(id);

  function renderHead(): void {
    const c = conflict();
    if (!c) return;
    const own = ownSide(c);
    const live = isLive(c);
    const vertical = c.vertical_distance_m;
    replace(
      headHost,
      h('h2', { id: 'thread-title', attrs: { tabindex: -1 } }, partyLine(c)),
      h(
        'div',
        { class: 'card-head' },
        statusBadge(c),
        h('span', { class: 'badge' }, conflictTypeLabel(c.type), data(` · ${c.rule}`)),
        live && c.status === 'open' ? countdown(c.deadline, mine ? !!own?.acknowledged_at : false) : null,
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, t('conflict.window')),
        h('dd', null, timeBoth(c.window.start), data(' – '), timeBoth(c.window.end), h('div', { class: 'muted' }, fmtDuration((Date.parse(c.window.end) - Date.parse(c.window.start)) / 1000))),
        h('dt', null, t('conflict.closest')),
        h('dd', null, timeBoth(c.closest_approach.time), closestPoint(c)),
        h('dt', null, t('conflict.separation')),
        h('dd', null, distanceText(c), vertical !== undefined ? h('div', null, t(c.disclosure.exact ? 'conflict.vertical' : 'conflict.verticalCoarse', { d: fmtMeters(c.disclosure.exact ? vertical : vertical + 300) })) : null),
        h('dt', null, t('conflict.deadline')),
        h('dd', null, timeBoth(c.deadline)),
        h('dt', null, t('conflict.created')),
        h('dd', null, timeBoth(c.created_at)),
        c.resolved_at ? [h('dt', null, t('conflict.resolvedAt')), h('dd', null, timeBoth(c.resolved_at))] : null,
        h('dt', null, t('conflict.id')),
        h('dd', null, h('code', null, data(c.id))),
      ),
      h(
        'table',
        { class: 'sides' },
        h('caption', null, t('conflict.sides')),
        h(
          'thead',
          null,
          h('tr', null, h('th', { attrs: { scope: 'col' } }, t('side.party')), h('th', { attrs: { scope: 'col' } }, t('side.callsign')), h('th', { attrs: { scope: 'col' } }, t('side.kind')), h('th', { attrs: { scope: 'col' } }, t('side.state'))),
        ),
        h(
          'tbody',
          null,
          c.sides.map((sd, i) =>
            h(
              'tr',
              { class: c.own_side === i ? 'own' : '', attrs: { 'data-testid': c.own_side === i ? 'own-side' : 'other-side' } },
              h('th', { attrs: { scope: 'row' } }, data(sd.party), c.own_side === i ? h('span', { class: 'badge' }, t('side.you')) : null),
              h('td', null, bdi(data(sd.callsign || '—')), sd.plan ? h('div', null, h('code', null, data(sd.plan)), sd.plan_version ? [data(' '), bdi(t('plan.version', { v: sd.plan_version }))] : null) : null),
              h('td', null, kindText(sd.kind)),
              h('td', null, sideState(sd)),
            ),
          ),
        ),
      ),
    );
  }

  function renderActions(): void {
    keepFocus(actionsHost, renderActionsNow);
  }

  function renderActionsNow(): void {
    const c = conflict();
    if (!c) return;
    const own = ownSide(c);
    const live = isLive(c);
    const parts: Child[] = [];
    if (mine && own && live) {
      if (!own.acknowledged_at) {
        parts.push(
          button(t('ack.button'), (ev) => void acknowledge(c, ev.currentTarget as HTMLButtonElement, actionErr).then((ok) => {
            if (ok) root.querySelector<HTMLElement>('[data-testid="suggest"]')?.focus();
          }), 'primary big', 'thread-ack'),
        );
      }
      parts.push(button(t('suggest.button'), (ev) => void suggest(ev.currentTarget as HTMLButtonElement), '', 'suggest'));
      if (!own.accepted_at) {
        parts.push(button(t('accept.button'), (ev) => void acceptCoordinated(ev.currentTarget as HTMLButtonElement), '', 'accept-coordinated'));
      }
    }
    parts.push(h('a', { class: 'btn ghost', attrs: { href: `#map/${encodeURIComponent(c.id)}` } }, t('conflict.showOnMap')));
    parts.push(button(t('receipt.download'), (ev) => void downloadReceipt(ev.currentTarget as HTMLButtonElement), 'ghost', 'receipt'));
    replace(actionsHost, parts);
  }

  async function downloadReceipt(btn: HTMLButtonElement): Promise<void> {
    await withBusy(btn, actionErr, async () => {
      const text = await s.api.receiptText(id);
      download(`receipt-${id}.json`, text);
    }, t('receipt.failed'));
  }

  async function acceptCoordinated(btn: HTMLButtonElement): Promise<void> {
    const c = conflict();
    if (!c) return;
    const ok = await confirmDialog(t('accept.title'), h('p', null, t('accept.body', { other: otherSide(c)?.party ?? '' })), t('accept.ok'));
    if (!ok) return;
    await withBusy(btn, actionErr, async () => {
      upsertConflict(await s.api.accept(id));
    }, t('accept.failed'));
  }

  async function suggest(btn: HTMLButtonElement): Promise<void> {
    await withBusy(btn, suggestHost, async () => {
      const sg = await s.api.suggestion(id);
      renderSuggestion(sg);
    }, t('suggest.failed'));
  }

  function renderSuggestion(sg: Suggestion): void {
    const c = conflict();
    if (!c) return;
    const other = otherSide(c);
    let head: Text;
    if (sg.outcome === 'delay' || sg.outcome === 'advance') head = t('suggest.shift', { plan: sg.plan, shift: shiftText(sg.shift_s) });
    else if (sg.outcome === 'no_conflict') head = t('suggest.noConflict', { plan: sg.plan });
    else head = t('suggest.impossible', { plan: sg.plan });
    const movable = sg.outcome === 'delay' || sg.outcome === 'advance';
    replace(
      suggestHost,
      h(
        'div',
        { class: movable ? 'ok-box' : 'warn-box', attrs: { 'data-testid': 'suggestion', 'data-shift': String(sg.shift_s) } },
        h('p', null, h('strong', null, head)),
        h('p', { class: 'hint' }, t('suggest.engine', { text: sg.explanation })),
        movable
          ? h(
              'div',
              { class: 'actions' },
              canPost && other
                ? button(t('suggest.propose', { party: other.party }), (ev) =>
                    void post(ev.currentTarget as HTMLButtonElement, { kind: 'propose', shift_s: sg.shift_s, subject: 'self', text: t('suggest.proposeText', { shift: shiftText(sg.shift_s) }), language: lang() }),
                  'primary', 'propose-suggested')
                : null,
              button(t('suggest.apply'), (ev) => void applyShift(ev.currentTarget as HTMLButtonElement, sg.shift_s), '', 'apply-suggested'),
            )
          : null,
      ),
    );
  }

  /** Amends the caller's own plan in this conflict by moving all its times. */
  async function applyShift(btn: HTMLButtonElement, shift: number): Promise<void> {
    const c = conflict();
    const own = c ? ownSide(c) : undefined;
    if (!c || !own?.plan) return;
    const planId = own.plan;
    const ok = await confirmDialog(
      t('apply.title'),
      h('p', null, t('apply.body', { plan: planId, shift: shiftText(shift) })),
      t('apply.ok'),
    );
    if (!ok) return;
    await withBusy(btn, actionErr, async () => {
      const { plan, version } = await s.api.getPlan(planId);
      const r = await s.api.amendPlan(planId, shiftFeature(plan.feature, shift), version);
      for (const x of [...r.conflicts_opened, ...r.conflicts_resolved, ...r.conflicts_unchanged]) upsertConflict(x);
      s.plans.set(planKey(r.plan), r.plan);
      await refreshPlans();
      const still = r.conflicts_opened.length + r.conflicts_unchanged.length;
      replace(
        actionErr,
        h(
          'p',
          { class: still ? 'warn-box' : 'ok-box', attrs: { role: 'status', 'data-testid': 'apply-result' } },
          t('apply.done', { plan: planId, version: r.plan.version, resolved: r.conflicts_resolved.length, open: still }),
        ),
      );
    }, t('apply.failed'));
  }

  async function post(btn: HTMLButtonElement | null, m: MessagePost): Promise<boolean> {
    const r = await withBusy(btn, composeErr, async () => {
      const view = await s.api.postMessage(id, m);
      const list = s.threads.get(id);
      if (list && !list.some((x) => x.seq === view.seq)) list.push(view);
      renderMessages();
      return view;
    }, t('thread.postFailed'));
    return !!r;
  }

  function renderMessages(): void {
    keepFocus(msgsHost, renderMessagesNow);
  }

  function renderMessagesNow(): void {
    const c = conflict();
    const list = s.threads.get(id) ?? [];
    if (!c) return;
    const answers = new Map<number, MessageView>();
    for (const m of list) if ((m.kind === 'accept' || m.kind === 'reject') && m.message) answers.set(m.message, m);
    const own = ownSide(c);
    replace(
      msgsHost,
      list.length === 0 ? h('li', { class: 'empty' }, t('thread.empty')) : null,
      list.map((m) => {
        const fromMe = m.party === s.me.party;
        const body: Child[] = [];
        if (m.kind === 'propose') {
          const moves = proposalMovesParty(m, c);
          body.push(h('p', { class: 'proposal' }, h('strong', null, t('msg.proposal', { party: moves ?? '?', shift: shiftText(m.shift_s ?? 0) }))));
          const ans = answers.get(m.seq);
          if (ans) {
            body.push(h('p', { class: `badge ${ans.kind === 'accept' ? 'ok' : 'warn'}` }, ans.kind === 'accept' ? t('msg.acceptedBy', { party: ans.party }) : t('msg.rejectedBy', { party: ans.party })));
          }
          const canAnswer = mine && own && !fromMe && !ans && c.sides.some((sd) => sd.party === m.party);
          const actions: Child[] = [];
          if (canAnswer) {
            actions.push(
              button(t('msg.accept'), (ev) => void post(ev.currentTarget as HTMLButtonElement, { kind: 'accept', message: m.seq, language: lang() }), 'primary small', 'accept-proposal'),
              button(t('msg.reject'), (ev) => void post(ev.currentTarget as HTMLButtonElement, { kind: 'reject', message: m.seq, language: lang() }), 'small', 'reject-proposal'),
            );
          }
          // The plan it moves is mine: I may apply it (after the other side accepted, or when I accept theirs).
          const movesMine = mine && moves === s.me.party && isLive(c) && !!own?.plan;
          if (movesMine && (ans?.kind === 'accept' || (!fromMe && !ans))) {
            actions.push(button(t('msg.apply'), (ev) => void applyShift(ev.currentTarget as HTMLButtonElement, m.shift_s ?? 0), ans?.kind === 'accept' ? 'primary small' : 'small', 'apply-proposal'));
          }
          if (actions.length) body.push(h('div', { class: 'actions' }, actions));
        } else if (m.kind === 'accept' || m.kind === 'reject') {
          body.push(h('p', null, h('strong', null, m.kind === 'accept' ? t('msg.accepts', { n: m.message ?? 0 }) : t('msg.rejects', { n: m.message ?? 0 }))));
        }
        if (m.text) {
          body.push(h('p', { class: 'msg-text', attrs: { lang: m.language || null, dir: 'auto' } }, data(m.text)));
        }
        return h(
          'li',
          { class: `msg ${fromMe ? 'mine' : ''} kind-${m.kind}`, attrs: { 'data-testid': 'message', 'data-kind': m.kind, 'data-seq': String(m.seq) } },
          h(
            'div',
            { class: 'msg-head' },
            h('strong', null, bdi(data(m.party))),
            data(' · '),
            h('span', { class: 'muted' }, data(`#${m.seq}`)),
            data(' · '),
            timeBoth(m.at, true),
            m.language ? h('span', { class: 'badge' }, data(m.language)) : null,
          ),
          body,
        );
      }),
    );
  }

  const composeErr = h('div');

  function renderCompose(): void {
    const c = conflict();
    if (!c) return;
    if (!canPost) {
      replace(composeHost, h('p', { class: 'hint' }, t('thread.observer')));
      return;
    }
    const text = h('textarea', { props: { rows: 3 }, attrs: { 'data-testid': 'message-text', dir: 'auto' } });
    const langSel = h(
      'select',
      { attrs: { 'data-testid': 'message-lang' } },
      LANGS.map((l) => h('option', { props: { value: l, selected: l === lang() } }, t(`lang.${l}`))),
    );
    const send = button(t('thread.send'), () => undefined, 'primary', 'send');
    const form = h(
      'form',
      {
        class: 'compose-form',
        on: {
          submit: (ev) => {
            ev.preventDefault();
            const v = text.value.trim();
            if (!v) {
              text.setAttribute('aria-invalid', 'true');
              replace(composeErr, h('p', { class: 'error-box', attrs: { role: 'alert' } }, t('thread.emptyText')));
              text.focus();
              return;
            }
            text.removeAttribute('aria-invalid');
            void post(send, { kind: 'text', text: v, language: langSel.value }).then((ok) => {
              if (ok) text.value = '';
            });
          },
        },
      },
      h('h3', null, t('thread.write')),
      field(t('thread.text'), text),
      h('div', { class: 'inline-form' }, field(t('thread.language'), langSel), send),
    );
    send.type = 'submit';
    const parts: Child[] = [form];
    const own = ownSide(c);
    if (mine && own) {
      const minutes = h('input', { props: { type: 'number', step: 'any', value: '10' }, attrs: { class: 'num', 'data-testid': 'propose-minutes' } });
      const subject = h(
        'select',
        { attrs: { 'data-testid': 'propose-subject' } },
        h('option', { props: { value: 'self' } }, t('propose.mine')),
        h('option', { props: { value: 'other' } }, t('propose.theirs', { party: otherSide(c)?.party ?? '' })),
      );
      const note = h('input', { props: { type: 'text' }, attrs: { dir: 'auto' } });
      const pbtn = button(t('propose.send'), () => undefined, '', 'propose-send');
      pbtn.type = 'submit';
      parts.push(
        h(
          'form',
          {
            class: 'compose-form',
            on: {
              submit: (ev) => {
                ev.preventDefault();
                const min = Number(minutes.value);
                if (!Number.isFinite(min) || min === 0) {
                  minutes.setAttribute('aria-invalid', 'true');
                  replace(composeErr, h('p', { class: 'error-box', attrs: { role: 'alert' } }, t('propose.needMinutes')));
                  minutes.focus();
                  return;
                }
                minutes.removeAttribute('aria-invalid');
                const m: MessagePost = { kind: 'propose', shift_s: Math.round(min * 60), subject: subject.value === 'other' ? 'other' : 'self', language: lang() };
                if (note.value.trim()) m.text = note.value.trim();
                void post(pbtn, m);
              },
            },
          },
          h('h3', null, t('propose.title')),
          h('div', { class: 'inline-form' }, field(t('propose.minutes'), minutes, t('propose.minutesHint')), field(t('propose.subject'), subject)),
          field(t('propose.note'), note),
          pbtn,
        ),
      );
    }
    replace(composeHost, parts, composeErr);
  }

  async function loadHistory(): Promise<void> {
    lastHistoryAt = Date.now();
    try {
      const text = await s.api.receiptText(id);
      const r = JSON.parse(text) as Receipt;
      const entries = r.receipt.entries;
      replace(
        historyHost,
        h('h3', null, t('history.title')),
        h('p', { class: 'hint' }, t('history.hint')),
        h(
          'ol',
          { class: 'timeline', attrs: { 'data-testid': 'history' } },
          entries.map((e) =>
            h(
              'li',
              { attrs: { 'data-kind': e.kind } },
              timeBoth(e.at_ms, true),
              h('span', { class: 'tl-kind' }, auditKindLabel(e.kind)),
              h('span', { class: 'tl-detail' }, auditSummary(e)),
            ),
          ),
        ),
      );
    } catch (e) {
      replace(historyHost, h('h3', null, t('history.title')), errorBox(e, t('history.failed')));
    }
  }

  function scheduleHistory(): void {
    if (historyTimer) return;
    const wait = Math.max(0, 1500 - (Date.now() - lastHistoryAt));
    historyTimer = setTimeout(() => {
      historyTimer = null;
      void loadHistory();
    }, wait);
  }

  function drawMiniMap(): void {
    const c = conflict();
    if (!c || !map) return;
    const plans = [...s.plans.values()].filter((p) => c.sides.some((sd) => sd.plan === p.id && sd.party === p.party));
    map.setPlans(plans, mine ? s.me.party : null, !mine);
    map.setConflicts([c]);
  }

  replace(
    root,
    headHost,
    actionsHost,
    actionErr,
    suggestHost,
    h('section', { class: 'thread-msgs', attrs: { 'aria-labelledby': 'msgs-title' } }, h('h3', { id: 'msgs-title' }, t('thread.messages')), msgsHost),
    composeHost,
    mapEl,
    historyHost,
  );
  renderHead();
  renderActions();
  renderMessages();
  renderCompose();
  map = new MapView(mapEl, t('thread.mapLabel', { what: sidesLabel(conflict() ?? { sides: [] }) }));
  const c0 = conflict();
  if (c0) {
    drawMiniMap();
    setTimeout(() => {
      map?.invalidate();
      map?.focusConflict(c0, false);
    }, 0);
  }

  // Reading the conflict records a `read` receipt; then load the thread and the history.
  void s.api
    .getConflict(id)
    .then((c) => upsertConflict(c))
    .catch(() => undefined);
  void loadThread(id, true)
    .then(() => renderMessages())
    .catch((e) => replace(msgsHost, h('li', null, errorBox(e, t('thread.loadFailed')))));
  void loadHistory();

  const unsubs = [
    subscribe('conflicts', (cid) => {
      if (cid !== undefined && cid !== id) return;
      renderHead();
      renderActions();
      renderMessages();
      drawMiniMap();
      scheduleHistory();
    }),
    subscribe('thread', (cid) => {
      if (cid !== id) return;
      renderMessages();
      scheduleHistory();
    }),
    subscribe('plans', () => drawMiniMap()),
  ];
  return () => {
    unsubs.forEach((u) => u());
    if (historyTimer) clearTimeout(historyTimer);
    map?.destroy();
  };
}

/** Where the caller's own plan is at the closest approach, and what the area means: a party is
 * never shown the other party's point (docs/security.md §2). */
function closestPoint(c: ConflictView): HTMLElement {
  const pt = c.closest_approach.point?.coordinates;
  const where = pt ? fmtLatLon(pt[1] ?? 0, pt[0] ?? 0) : t('conflict.noPoint');
  if (c.disclosure.exact) return h('div', null, where);
  return h(
    'div',
    null,
    h('div', null, pt ? t('conflict.ownPoint', { where }) : where),
    h('div', { class: 'muted', attrs: { 'data-testid': 'disclosure-note' } }, t('conflict.areaNote', { cell: fmtMeters(c.disclosure.cell_m), minutes: fmtDuration(c.disclosure.time_s) })),
  );
}

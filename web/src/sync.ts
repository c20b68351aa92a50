// Logging in, loading the session's data, and keeping it current from the event stream.

import { Api, ApiError } from './api';
import { announce, beep, clearBanners, dismissBannersFor, setTitleCount, showBanner } from './alerts';
import { h } from './dom';
import { data, t } from './i18n';
import { sidesEl, sidesLabel } from './map';
import { countdown, timeBoth } from './views/common';
import { EventStream, type SseMessage } from './sse';
import {
  emit,
  isParty,
  maybeSession,
  needsMyAck,
  planKey,
  session,
  setSession,
  type Session,
} from './state';
import type { ConflictView, EventData, EventType, MessageView } from './types';

const TOKEN_KEY = 'deconflict.token';
let stream: EventStream | null = null;

export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** The last seq of the caller's event stream: the stream is resumed after it. */
async function lastSeq(api: Api): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await api.eventsHistory(after, 1000);
    const last = page[page.length - 1];
    if (!last) return after;
    after = last.seq;
    if (page.length < 1000) return after;
  }
}

/** Logs in with a token; throws ApiError (401: token not accepted). */
export async function login(token: string): Promise<Session> {
  const api = new Api(token);
  const me = await api.me();
  const seq = await lastSeq(api);
  const [parties, plans, conflicts] = await Promise.all([api.parties(), api.listPlans(), api.listConflicts()]);
  const s: Session = {
    api,
    token,
    me,
    parties,
    plans: new Map(plans.map((p) => [planKey(p), p])),
    conflicts: new Map(conflicts.map((c) => [c.id, c])),
    threads: new Map(),
    lastSeq: seq,
    conn: { state: 'connecting' },
    alerted: new Set(conflicts.map((c) => c.id)),
  };
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* private mode: the session lasts for this page */
  }
  setSession(s);
  startStream(s);
  updateTitle();
  return s;
}

export function logout(): void {
  stream?.stop();
  stream = null;
  const s = maybeSession();
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    if (s) sessionStorage.removeItem(`deconflict.draft.${s.me.party}`);
  } catch {
    /* ignore */
  }
  setSession(null);
  clearBanners();
  setTitleCount(0);
}

export function reconnectNow(): void {
  stream?.retryNow();
}

function startStream(s: Session): void {
  stream?.stop();
  stream = new EventStream({
    url: '/v1/events',
    token: s.token,
    lastEventId: String(s.lastSeq),
    onMessage: (m) => handleMessage(m),
    onStatus: (st) => {
      const cur = maybeSession();
      if (!cur || cur !== s) return;
      const wasOpen = cur.conn.state === 'open';
      cur.conn = st;
      if (st.state === 'open' && !wasOpen) announce(t('conn.open'));
      if (st.state === 'waiting' && wasOpen) announce(t('conn.lost'), true);
      emit('conn');
    },
  });
  stream.start();
}

window.addEventListener('online', () => stream?.retryNow());

export function unacknowledgedCount(s: Session = session()): number {
  let n = 0;
  for (const c of s.conflicts.values()) {
    if (isParty(s) ? needsMyAck(c) : c.status === 'open') n++;
  }
  return n;
}

function updateTitle(): void {
  setTitleCount(unacknowledgedCount());
}

/** Applies a conflict view from the server (event, list or action answer). */
export function upsertConflict(c: ConflictView): void {
  const s = session();
  s.conflicts.set(c.id, c);
  // A banner stays until the desk has acted on the notice (or it closed).
  const done = c.status === 'resolved' || c.status === 'expired' || (isParty(s) ? !needsMyAck(c) : c.status !== 'open');
  if (done) dismissBannersFor(c.id);
  emit('conflicts', c.id);
  updateTitle();
}

export function addMessage(m: MessageView): void {
  const s = session();
  const list = s.threads.get(m.conflict);
  if (list && !list.some((x) => x.seq === m.seq)) {
    list.push(m);
    list.sort((a, b) => a.seq - b.seq);
  }
  emit('thread', m.conflict);
}

function noticeBody(c: ConflictView) {
  return [
    h('strong', null, t('alert.newNotice')),
    data(' '),
    sidesEl(c),
    c.deadline ? h('span', { class: 'banner-deadline' }, data(' — '), t('conflict.deadline'), data(' '), timeBoth(c.deadline, true), data(' '), countdown(c.deadline, false)) : null,
  ];
}

/** "Night desk (backup), Duty officer (primary)" from an escalation's contacts. */
function contactNames(list: EventData['contacts']): string {
  return (list ?? [])
    .map((x) => (x.name ? `${x.name} (${x.role})` : ''))
    .filter(Boolean)
    .join(', ');
}

function openAction(c: ConflictView) {
  return h(
    'a',
    { class: 'btn primary', attrs: { href: `#inbox/${encodeURIComponent(c.id)}`, 'data-testid': 'alert-open' } },
    t('alert.open'),
  );
}

function handleMessage(m: SseMessage): void {
  const s = maybeSession();
  if (!s) return;
  const seq = m.id !== null ? Number(m.id) : NaN;
  if (!Number.isNaN(seq)) {
    if (seq <= s.lastSeq) return; // already applied
    s.lastSeq = seq;
  }
  let d: EventData;
  try {
    d = JSON.parse(m.data) as EventData;
  } catch {
    return;
  }
  // plan.pending (coordinators), plan.approved, plan.rejected and plan.completed (the owner,
  // coordinators): the plan list changes.
  if (m.event.startsWith('plan.')) {
    void refreshPlans().catch(() => undefined);
    return;
  }
  if (!d || !d.conflict) return;
  const type = m.event as EventType;
  const c = d.conflict;
  const known = s.alerted.has(c.id);
  upsertConflict(c);
  switch (type) {
    case 'conflict.opened':
      if (!known) {
        s.alerted.add(c.id);
        beep(true);
        showBanner({ id: `n-${c.id}`, urgent: true, body: noticeBody(c), actions: openAction(c) });
        announce(data(`${t('alert.newNotice')} ${sidesLabel(c)}`), true);
      }
      break;
    case 'conflict.escalated': {
      const mine = d.party === s.me.party;
      if (mine || !isParty(s)) beep(true);
      showBanner({
        id: `e-${c.id}-${d.party ?? ''}-${d.level ?? 0}`,
        urgent: true,
        body: [
          h('strong', null, t('alert.escalated', { party: d.party ?? '', level: d.level ?? 1 })),
          data(' '),
          sidesEl(c),
          contactNames(d.contacts) ? h('div', null, t('alert.contacts', { names: contactNames(d.contacts) })) : null,
        ],
        actions: openAction(c),
      });
      announce(t('alert.escalated', { party: d.party ?? '', level: d.level ?? 1 }), true);
      break;
    }
    case 'message.posted':
      if (d.message) {
        addMessage(d.message);
        if (d.message.party !== s.me.party) {
          beep(false);
          announce(t('alert.message', { party: d.message.party }));
        }
      }
      break;
    case 'conflict.resolved':
    case 'conflict.expired':
      announce(
        data(`${type === 'conflict.resolved' ? t('alert.resolved') : t('alert.expired')} ${sidesLabel(c)}`),
      );
      break;
    case 'conflict.acknowledged':
    case 'conflict.accepted':
      if (d.by && d.by !== s.me.party) {
        announce(
          data(`${type === 'conflict.acknowledged' ? t('alert.acked', { party: d.by }) : t('alert.accepted', { party: d.by })}`),
        );
      }
      break;
  }
}

/** Reloads plans (after a submit, amend or cancel, and on demand). */
export async function refreshPlans(): Promise<void> {
  const s = session();
  const plans = await s.api.listPlans();
  s.plans = new Map(plans.map((p) => [planKey(p), p]));
  emit('plans');
}

export async function refreshConflicts(): Promise<void> {
  const s = session();
  const list = await s.api.listConflicts();
  for (const c of list) s.conflicts.set(c.id, c);
  emit('conflicts');
  updateTitle();
}

/** A thread, loaded once and then kept current by message.posted events. */
export async function loadThread(id: string, force = false): Promise<MessageView[]> {
  const s = session();
  const have = s.threads.get(id);
  if (have && !force) return have;
  const list = await s.api.messages(id);
  s.threads.set(id, list);
  emit('thread', id);
  return list;
}

export function isUnauthorized(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

// Pieces shared by the views: times in UTC and local, countdowns, status badges, error boxes,
// busy buttons and a confirmation dialog.

import { ApiError } from '../api';
import { h, replace, type Child } from '../dom';
import { data, fmtClock, fmtLocal, fmtUtc, t, type MsgKey, type Text } from '../i18n';
import type { ConflictView, Issue } from '../types';

/** A time in UTC with the local time beside it. */
export function timeBoth(iso: string | number | null | undefined, compact = false): HTMLElement {
  if (iso === null || iso === undefined || iso === '') return h('span', { class: 'time muted' }, t('common.none'));
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', { class: 'time' }, data(String(iso)));
  return h(
    'span',
    { class: `time ${compact ? 'compact' : ''}` },
    h('time', { class: 'utc', attrs: { datetime: d.toISOString() } }, fmtUtc(d)),
    h('span', { class: 'local' }, t('time.local', { time: fmtLocal(d) })),
  );
}

/** A countdown to a deadline, kept current by tickCountdowns(). */
export function countdown(deadline: string | null, done: boolean): HTMLElement {
  const el = h('span', { class: 'countdown', attrs: { 'data-testid': 'countdown' } });
  if (!deadline) return el;
  el.dataset['deadline'] = deadline;
  if (done) el.dataset['done'] = '1';
  renderCountdown(el);
  return el;
}

function renderCountdown(el: HTMLElement): void {
  const dl = Date.parse(el.dataset['deadline'] ?? '');
  if (Number.isNaN(dl)) return;
  const left = (dl - Date.now()) / 1000;
  const done = el.dataset['done'] === '1';
  el.classList.toggle('overdue', left < 0 && !done);
  el.classList.toggle('urgent', left >= 0 && left < 120 && !done);
  el.classList.toggle('done', done);
  let text: Text;
  if (done) text = t('deadline.met');
  else if (left >= 0) text = t('deadline.left', { clock: fmtClock(left) });
  else text = t('deadline.overdue', { clock: fmtClock(-left) });
  if (el.textContent !== text) el.textContent = text;
}

export function tickCountdowns(): void {
  document.querySelectorAll<HTMLElement>('.countdown[data-deadline]').forEach(renderCountdown);
}

const STATUS_KEYS: Record<string, MsgKey> = {
  open: 'status.open',
  acknowledged: 'status.acknowledged',
  resolved: 'status.resolved',
  expired: 'status.expired',
};

const RESOLUTION_KEYS: Record<string, MsgKey> = {
  amended: 'resolution.amended',
  cancelled: 'resolution.cancelled',
  coordinated: 'resolution.coordinated',
  superseded: 'resolution.superseded',
  expired: 'resolution.expired',
};

export function resolutionText(r: string): Text {
  const k = RESOLUTION_KEYS[r];
  return k ? t(k) : data(r);
}

export function statusBadge(c: ConflictView): HTMLElement {
  const key = STATUS_KEYS[c.status];
  const res = c.resolution ? RESOLUTION_KEYS[c.resolution] : undefined;
  return h(
    'span',
    { class: `badge status-${c.status}`, attrs: { 'data-testid': 'status', 'data-status': c.status } },
    key ? t(key) : data(c.status),
    res ? data(` · ${t(res)}`) : null,
  );
}

export function escalationBadge(level: number | undefined): HTMLElement | null {
  if (!level) return null;
  return h('span', { class: 'badge escalated' }, t('conflict.escalation', { level }));
}

/** Says what went wrong: the server's `detail`, and every invalid field. */
export function errorBox(e: unknown, context?: Text, pathLabel?: (path: string) => Text | null): HTMLElement {
  const box = h('div', { class: 'error-box', attrs: { role: 'alert', tabindex: -1, 'data-testid': 'error' } });
  if (e instanceof ApiError) {
    let head: Text;
    if (e.status === 0) head = t('error.network');
    else if (e.status === 401) head = t('error.401');
    else if (e.status === 403) head = t('error.403');
    else if (e.status === 404) head = t('error.404');
    else if (e.status === 409) head = t('error.409');
    else if (e.status === 412) head = t('error.412');
    else if (e.status === 413) head = t('error.413');
    else if (e.status === 422) head = t('error.422');
    else if (e.status === 503) head = t('error.503');
    else head = t('error.status', { status: e.status });
    replace(
      box,
      context ? h('strong', null, context) : null,
      h('p', { class: 'error-head' }, head),
      e.detail ? h('p', { class: 'error-detail' }, t('error.server', { detail: e.detail })) : null,
      e.errors.length ? issueList(e.errors, pathLabel) : null,
    );
  } else {
    replace(
      box,
      context ? h('strong', null, context) : null,
      h('p', { class: 'error-detail' }, e instanceof LocalError ? e.text : t('error.unexpected', { detail: String(e) })),
    );
  }
  return box;
}

export function issueList(issues: Issue[], pathLabel?: (path: string) => Text | null): HTMLElement {
  return h(
    'ul',
    { class: 'issues' },
    issues.map((i) => {
      const label = pathLabel?.(i.path);
      return h(
        'li',
        null,
        label ? h('strong', null, label, data(': ')) : i.path ? h('code', null, data(i.path), data(': ')) : null,
        data(i.reason),
      );
    }),
  );
}

/** An error raised by the console itself, already translated. */
export class LocalError extends Error {
  constructor(readonly text: Text) {
    super(text);
  }
}

/** Runs an action with the button disabled and marked busy; shows errors in `errHost`. */
export async function withBusy<T>(
  btn: HTMLButtonElement | null,
  errHost: HTMLElement | null,
  f: () => Promise<T>,
  context?: Text,
): Promise<T | undefined> {
  // aria-disabled rather than disabled: a disabled button drops keyboard focus to <body>.
  if (btn) {
    if (btn.dataset['busy'] === '1') return undefined;
    btn.dataset['busy'] = '1';
    btn.setAttribute('aria-disabled', 'true');
    btn.setAttribute('aria-busy', 'true');
  }
  if (errHost) replace(errHost);
  try {
    return await f();
  } catch (e) {
    if (errHost) {
      replace(errHost, errorBox(e, context));
      errHost.querySelector<HTMLElement>('.error-box')?.focus();
    }
    return undefined;
  } finally {
    if (btn) {
      delete btn.dataset['busy'];
      btn.removeAttribute('aria-disabled');
      btn.removeAttribute('aria-busy');
    }
  }
}

export function button(label: Child, onClick: (ev: MouseEvent) => void, cls = '', testid?: string): HTMLButtonElement {
  return h(
    'button',
    { class: `btn ${cls}`.trim(), props: { type: 'button' }, attrs: { 'data-testid': testid }, on: { click: onClick } },
    label,
  );
}

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). */
export function confirmDialog(title: Text, body: Child, confirmLabel: Text, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button', { class: `btn ${danger ? 'danger' : 'primary'}`, props: { type: 'submit', value: 'ok' }, attrs: { 'data-testid': 'confirm-ok' } }, confirmLabel);
    const cancel = h('button', { class: 'btn', props: { type: 'submit', value: 'cancel' } }, t('common.cancel'));
    const titleId = `dlg-${Date.now()}`;
    const dlg = h(
      'dialog',
      { class: 'dialog', attrs: { 'aria-labelledby': titleId } },
      h(
        'form',
        { attrs: { method: 'dialog' } },
        h('h2', { id: titleId }, title),
        h('div', { class: 'dialog-body' }, body),
        h('div', { class: 'dialog-actions' }, cancel, ok),
      ),
    );
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

export function kindText(kind: string): Text {
  switch (kind) {
    case 'movement':
      return t('kind.movement');
    case 'flight':
      return t('kind.flight');
    case 'site':
      return t('kind.site');
    case 'zone':
      return t('kind.zone');
    default:
      return data(kind);
  }
}

export function sideState(s: { acknowledged_at?: string | null; accepted_at?: string | null; escalation_level?: number }): HTMLElement {
  return h(
    'span',
    { class: 'side-state' },
    s.acknowledged_at
      ? h('span', { class: 'badge ok' }, t('side.acked', { time: fmtUtc(s.acknowledged_at) }))
      : h('span', { class: 'badge warn' }, t('side.notAcked')),
    s.accepted_at ? h('span', { class: 'badge ok' }, t('side.accepted')) : null,
    escalationBadge(s.escalation_level),
  );
}

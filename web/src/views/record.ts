// The record: the caller's audit trail (GET /v1/audit, paged), signed receipts per conflict, the
// server's public key, and for coordinators and observers the full export.

import { h, replace, download, type Child } from '../dom';
import { data, t, type MsgKey, type Text } from '../i18n';
import { sidesEl, sidesLabel } from '../map';
import { isParty, session } from '../state';
import type { AuditEntry, Checkpoint } from '../types';
import { button, errorBox, resolutionText, statusBadge, timeBoth, withBusy } from './common';

const KIND_KEYS: Record<string, MsgKey> = {
  'plan.submitted': 'audit.plan.submitted',
  'plan.amended': 'audit.plan.amended',
  'plan.cancelled': 'audit.plan.cancelled',
  'plan.approved': 'audit.plan.approved',
  'plan.rejected': 'audit.plan.rejected',
  'plan.completed': 'audit.plan.completed',
  'dryrun.checked': 'audit.dryrun.checked',
  'conflict.opened': 'audit.conflict.opened',
  'conflict.acknowledged': 'audit.conflict.acknowledged',
  'conflict.accepted': 'audit.conflict.accepted',
  'conflict.resolved': 'audit.conflict.resolved',
  'conflict.expired': 'audit.conflict.expired',
  'notice.sent': 'audit.notice.sent',
  'receipt.delivered': 'audit.receipt.delivered',
  'receipt.read': 'audit.receipt.read',
  'message.posted': 'audit.message.posted',
  escalation: 'audit.escalation',
  'webhook.added': 'audit.webhook.added',
  'webhook.deleted': 'audit.webhook.deleted',
  'contact.added': 'audit.contact.added',
  'contact.deleted': 'audit.contact.deleted',
  'party.created': 'audit.party.created',
  'token.created': 'audit.token.created',
  'token.revoked': 'audit.token.revoked',
  // event types named in notice.sent entries
  'conflict.escalated': 'audit.escalation',
};

const MSG_KIND_KEYS: Record<string, MsgKey> = {
  text: 'msgkind.text',
  propose: 'msgkind.propose',
  accept: 'msgkind.accept',
  reject: 'msgkind.reject',
};

export function auditKindLabel(kind: string): Text {
  const k = KIND_KEYS[kind];
  return k ? t(k) : data(kind);
}

function parseBody(e: AuditEntry): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(e.body_json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** One line saying what an entry records. */
export function auditSummary(e: AuditEntry): Text {
  const b = parseBody(e);
  const conflict = (): string => {
    const c = b['conflict'];
    if (typeof c === 'string') return c;
    if (c && typeof c === 'object') return str((c as Record<string, unknown>)['id']);
    return '';
  };
  switch (e.kind) {
    case 'plan.submitted':
    case 'plan.amended':
    case 'plan.cancelled':
      return t('auditSum.plan', { id: str(b['id']), version: str(b['version']) });
    case 'conflict.opened': {
      const detail = b['detail'];
      const sides =
        detail && typeof detail === 'object' && Array.isArray((detail as Record<string, unknown>)['sides'])
          ? sidesLabel(detail as { sides: Array<{ party: string; callsign: string }> })
          : data('');
      return t('auditSum.opened', { conflict: conflict(), sides });
    }
    case 'conflict.acknowledged':
    case 'conflict.accepted':
      return t('auditSum.by', { conflict: conflict(), party: str(b['party']) });
    case 'conflict.resolved':
    case 'conflict.expired':
      return str(b['by'])
        ? t('auditSum.resolved', { conflict: conflict(), resolution: resolutionText(str(b['resolution'])), by: str(b['by']) })
        : t('auditSum.resolvedNoBy', { conflict: conflict(), resolution: resolutionText(str(b['resolution'])) });
    case 'notice.sent':
      return t('auditSum.notice', { recipient: str(b['recipient']), type: auditKindLabel(str(b['type'])), seq: str(b['event_seq']) });
    case 'receipt.delivered':
    case 'receipt.read':
      return t('auditSum.receipt', { recipient: str(b['recipient']), channel: str(b['channel']), seq: str(b['event_seq']) });
    case 'message.posted':
      return t('auditSum.message', {
        party: str(b['party']),
        kind: MSG_KIND_KEYS[str(b['kind'])] ? t(MSG_KIND_KEYS[str(b['kind'])] as MsgKey) : data(str(b['kind'])),
        conflict: conflict(),
      });
    case 'escalation':
      return t('auditSum.escalation', { party: str(b['party']), level: str(b['level']), conflict: conflict() });
    default:
      return data(Object.entries(b).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}=${str(v)}`).join(' '));
  }
}

const PAGE = 200;

export function mountRecord(host: HTMLElement): () => void {
  const s = session();
  const coordinatorLike = !isParty(s);
  const entries: AuditEntry[] = [];
  let checkpoint: Checkpoint | null = null;
  let done = false;
  let kindFilter = '';
  const tableHost = h('div');
  const moreHost = h('div', { class: 'actions' });
  const errHost = h('div');
  const keyHost = h('div');
  const receiptsHost = h('div');

  host.append(
    h(
      'div',
      { class: 'record' },
      h(
        'section',
        { class: 'record-main', attrs: { 'aria-labelledby': 'record-title' } },
        h('h2', { id: 'record-title' }, t('record.title')),
        h('p', { class: 'hint' }, coordinatorLike ? t('record.hintAll') : t('record.hintParty')),
        h('div', { class: 'list-tools' }, filterSelect(), button(t('common.refresh'), (ev) => void reload(ev.currentTarget as HTMLButtonElement), 'ghost small')),
        errHost,
        tableHost,
        moreHost,
      ),
      h(
        'aside',
        { class: 'record-side' },
        h('section', { attrs: { 'aria-labelledby': 'receipts-title' } }, h('h2', { id: 'receipts-title' }, t('receipts.title')), h('p', { class: 'hint' }, t('receipts.hint')), receiptsHost),
        h('section', { attrs: { 'aria-labelledby': 'key-title' } }, h('h2', { id: 'key-title' }, t('key.title')), keyHost),
        coordinatorLike
          ? h(
              'section',
              null,
              h('h2', null, t('export.title')),
              h('p', { class: 'hint' }, t('export.hint')),
              button(t('export.button'), (ev) => void withBusy(ev.currentTarget as HTMLButtonElement, errHost, async () => {
                download(`deconflict-audit-${new Date().toISOString().slice(0, 10)}.jsonl`, await s.api.auditExportText(), 'application/x-ndjson');
              }, t('export.failed')), '', 'export'),
            )
          : null,
      ),
    ),
  );

  function filterSelect(): HTMLElement {
    const sel = h(
      'select',
      {
        on: {
          change: (ev) => {
            kindFilter = (ev.target as HTMLSelectElement).value;
            renderTable();
          },
        },
      },
      h('option', { props: { value: '' } }, t('record.allKinds')),
      Object.keys(KIND_KEYS)
        .filter((k) => k !== 'conflict.escalated')
        .map((k) => h('option', { props: { value: k } }, auditKindLabel(k))),
    );
    sel.id = 'record-kind';
    return h('div', { class: 'field compact' }, h('label', { attrs: { for: 'record-kind' } }, t('record.kind')), sel);
  }

  function renderTable(): void {
    const shown = entries.filter((e) => !kindFilter || e.kind === kindFilter).slice().reverse();
    replace(
      tableHost,
      shown.length === 0
        ? h('p', { class: 'empty' }, t('record.empty'))
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'audit', attrs: { 'data-testid': 'audit-table' } },
              h('caption', { class: 'sr-only' }, t('record.title')),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { attrs: { scope: 'col' } }, t('record.seq')),
                  h('th', { attrs: { scope: 'col' } }, t('record.time')),
                  h('th', { attrs: { scope: 'col' } }, t('record.kind')),
                  h('th', { attrs: { scope: 'col' } }, t('record.what')),
                  h('th', { attrs: { scope: 'col' } }, t('record.readers')),
                ),
              ),
              h(
                'tbody',
                null,
                shown.map((e) =>
                  h(
                    'tr',
                    { attrs: { 'data-kind': e.kind } },
                    h('td', { class: 'num' }, data(String(e.seq))),
                    h('td', null, timeBoth(e.at_ms, true)),
                    h('td', null, auditKindLabel(e.kind)),
                    h(
                      'td',
                      null,
                      auditSummary(e),
                      h(
                        'details',
                        null,
                        h('summary', null, t('record.details')),
                        h('pre', { attrs: { dir: 'ltr' } }, data(prettyBody(e))),
                        h('div', { class: 'hash' }, t('record.hash'), data(': '), h('code', null, data(e.hash))),
                      ),
                    ),
                    h('td', null, data(e.parties.join(', '))),
                  ),
                ),
              ),
            ),
          ),
    );
    renderKey();
  }

  function renderKey(): void {
    const parts: Child[] = [];
    if (checkpoint) {
      parts.push(
        h('p', null, t('key.checkpoint', { seq: checkpoint.seq }), data(' '), timeBoth(checkpoint.at_ms, true)),
      );
    }
    keyHost.querySelector('.checkpoint')?.remove();
    keyHost.append(h('div', { class: 'checkpoint' }, parts));
  }

  async function loadMore(btn: HTMLButtonElement | null): Promise<void> {
    await withBusy(btn, errHost, async () => {
      const after = entries[entries.length - 1]?.seq ?? 0;
      const r = await s.api.audit(after, PAGE);
      entries.push(...r.entries);
      const last = r.checkpoints[r.checkpoints.length - 1];
      if (last) checkpoint = last;
      done = r.entries.length < PAGE;
      renderTable();
      renderMore();
    }, t('record.failed'));
  }

  function renderMore(): void {
    replace(
      moreHost,
      done
        ? h('p', { class: 'hint' }, t('record.end', { n: entries.length }))
        : button(t('record.more'), (ev) => void loadMore(ev.currentTarget as HTMLButtonElement), '', 'audit-more'),
    );
  }

  async function reload(btn: HTMLButtonElement | null): Promise<void> {
    entries.length = 0;
    done = false;
    await loadMore(btn);
    // Load everything up to a sane bound so the newest entries are on top.
    let guard = 0;
    while (!done && guard++ < 50) await loadMore(null);
  }

  function renderReceipts(): void {
    const list = [...s.conflicts.values()].sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? ''));
    replace(
      receiptsHost,
      list.length === 0
        ? h('p', { class: 'empty' }, t('receipts.none'))
        : h(
            'ul',
            { class: 'receipts', attrs: { 'data-testid': 'receipts' } },
            list.map((c) => {
              const err = h('div');
              return h(
                'li',
                null,
                h('div', null, statusBadge(c), data(' '), sidesEl(c)),
                h('div', { class: 'muted' }, h('code', null, data(c.id))),
                button(t('receipt.download'), (ev) => void withBusy(ev.currentTarget as HTMLButtonElement, err, async () => {
                  download(`receipt-${c.id}.json`, await s.api.receiptText(c.id));
                }, t('receipt.failed')), 'small', 'receipt-download'),
                err,
              );
            }),
          ),
    );
  }

  async function loadKey(): Promise<void> {
    try {
      const key = await s.api.recordKey();
      replace(
        keyHost,
        h('p', { class: 'hint' }, t('key.hint')),
        h('code', { class: 'key', attrs: { 'data-testid': 'server-key' } }, data(key)),
        h('p', { class: 'hint' }, t('key.verify')),
        // i18n-ok: a shell command, the same in every language
        h('pre', { attrs: { dir: 'ltr' } }, data(`deconflict audit verify --receipt receipt.json --key ${key}`)),
      );
      renderKey();
    } catch (e) {
      replace(keyHost, errorBox(e));
    }
  }

  renderReceipts();
  void loadKey();
  void reload(null);
  return () => undefined;
}

function prettyBody(e: AuditEntry): string {
  try {
    return JSON.stringify(JSON.parse(e.body_json), null, 2);
  } catch {
    return e.body_json;
  }
}

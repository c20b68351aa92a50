// The session's state: who is logged in, their plans and conflicts, threads, and the event
// stream. Views subscribe to topics and re-render the parts they own.

import type { Api } from './api';
import type { StreamStatus } from './sse';
import type { ConflictView, Me, MessageView, Party, PlanView } from './types';

export type Topic = 'plans' | 'conflicts' | 'conn' | 'thread' | 'parties' | 'alerts';

export interface Session {
  api: Api;
  token: string;
  me: Me;
  parties: Party[];
  /** Keyed by `PARTY:id` (coordinators see several parties' plans with the same id). */
  plans: Map<string, PlanView>;
  conflicts: Map<string, ConflictView>;
  threads: Map<string, MessageView[]>;
  lastSeq: number;
  conn: StreamStatus;
  /** Conflicts announced with an alert already (so a replay does not ring twice). */
  alerted: Set<string>;
}

const subs = new Map<Topic, Set<(detail?: string) => void>>();

export function subscribe(topic: Topic, f: (detail?: string) => void): () => void {
  let s = subs.get(topic);
  if (!s) {
    s = new Set();
    subs.set(topic, s);
  }
  s.add(f);
  return () => s?.delete(f);
}

export function emit(topic: Topic, detail?: string): void {
  for (const f of [...(subs.get(topic) ?? [])]) f(detail);
}

let current: Session | null = null;

export function session(): Session {
  if (!current) throw new Error('no session');
  return current;
}

export function maybeSession(): Session | null {
  return current;
}

export function setSession(s: Session | null): void {
  current = s;
}

export function planKey(p: PlanView): string {
  return `${p.party}:${p.id}`;
}

export function isParty(s: Session = session()): boolean {
  return s.me.role === 'party';
}

/** The caller's own side of a conflict, if the caller is a side. */
export function ownSide(c: ConflictView) {
  return c.own_side === undefined ? undefined : c.sides[c.own_side];
}

export function otherSide(c: ConflictView) {
  return c.own_side === undefined ? undefined : c.sides[1 - c.own_side];
}

export function isLive(c: ConflictView): boolean {
  return c.status === 'open' || c.status === 'acknowledged';
}

/** Needs this desk's action: live and the caller's side has not acknowledged. */
export function needsMyAck(c: ConflictView): boolean {
  const own = ownSide(c);
  return c.status === 'open' && !!own && !own.acknowledged_at;
}

export function maxEscalation(c: ConflictView): number {
  return Math.max(0, ...c.sides.map((s) => s.escalation_level ?? 0));
}

/** Inbox order: needs my acknowledgement (by deadline), other live ones, then closed (newest). */
export function inboxOrder(a: ConflictView, b: ConflictView): number {
  const rank = (c: ConflictView): number => {
    if (needsMyAck(c)) return 0;
    if (c.status === 'open') return 1;
    if (c.status === 'acknowledged') return 2;
    return 3;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra <= 1) return Date.parse(a.deadline ?? '') - Date.parse(b.deadline ?? '') || a.id.localeCompare(b.id);
  if (ra === 2) return Date.parse(a.window.start) - Date.parse(b.window.start);
  return Date.parse(b.resolved_at ?? b.updated_at ?? '') - Date.parse(a.resolved_at ?? a.updated_at ?? '');
}

/** Coordinator order: escalated first, then any side unacknowledged (by deadline), then the rest. */
export function coordinatorOrder(a: ConflictView, b: ConflictView): number {
  const rank = (c: ConflictView): number => {
    if (!isLive(c)) return 3;
    if (maxEscalation(c) > 0 && c.status === 'open') return 0;
    if (c.status === 'open') return 1;
    return 2;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return maxEscalation(b) - maxEscalation(a) || Date.parse(a.deadline ?? '') - Date.parse(b.deadline ?? '');
  if (ra === 1) return Date.parse(a.deadline ?? '') - Date.parse(b.deadline ?? '');
  if (ra === 2) return Date.parse(a.window.start) - Date.parse(b.window.start);
  return Date.parse(b.resolved_at ?? b.updated_at ?? '') - Date.parse(a.resolved_at ?? a.updated_at ?? '');
}

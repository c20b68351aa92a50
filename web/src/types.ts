// Shapes of the deconflictd API (docs/openapi.json). Only what the console reads is typed.

export type Role = 'party' | 'coordinator' | 'observer';
export type PlanKind = 'movement' | 'flight' | 'site' | 'zone';
export type Position = number[]; // [lon, lat] or [lon, lat, alt]

export interface PointGeometry {
  type: 'Point';
  coordinates: Position;
}
export interface LineGeometry {
  type: 'LineString';
  coordinates: Position[];
}
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export type PlanGeometry = PointGeometry | LineGeometry | PolygonGeometry;

export interface PlanProperties {
  party?: string;
  kind: PlanKind;
  callsign?: string;
  note?: string;
  times?: string[];
  corridor_m?: number;
  time_tolerance_s?: number;
  radius_m?: number;
  altitude_lower_m?: number;
  altitude_upper_m?: number;
  start?: string;
  end?: string;
  restricted_parties?: string[];
  [other: string]: unknown;
}

export interface Feature {
  type: 'Feature';
  id: string;
  properties: PlanProperties;
  geometry: PlanGeometry;
}

export interface PlanView {
  id: string;
  party: string;
  version: number;
  status: 'active' | 'cancelled';
  stored_at: string;
  feature: Feature;
}

export interface Issue {
  path: string;
  reason: string;
}

export interface Side {
  party: string;
  callsign: string;
  kind: PlanKind;
  plan?: string;
  plan_version?: number;
  acknowledged_at?: string | null;
  accepted_at?: string | null;
  escalation_level?: number;
}

export type ConflictStatus = 'open' | 'acknowledged' | 'resolved' | 'expired';
export type ConflictType = 'separation' | 'site_buffer' | 'zone_entry' | 'line_crossing';

export interface DryRunView {
  type: ConflictType;
  rule: string;
  window: { start: string; end: string };
  closest_approach: { time: string; point: PointGeometry };
  min_distance_m: number;
  required_m: number;
  vertical_distance_m?: number;
  area: PolygonGeometry;
  area_half_size_m: number;
  sides: Side[];
  own_side?: number;
}

export interface ConflictView extends DryRunView {
  id: string;
  status: ConflictStatus;
  resolution?: 'amended' | 'cancelled' | 'coordinated' | 'superseded' | 'expired';
  deadline: string | null;
  created_at: string | null;
  updated_at: string | null;
  resolved_at: string | null;
}

export type MessageKind = 'text' | 'propose' | 'accept' | 'reject';

export interface MessageView {
  seq: number;
  conflict: string;
  party: string;
  kind: MessageKind;
  language?: string;
  at: string;
  text?: string;
  shift_s?: number;
  subject?: 'self' | 'other';
  message?: number;
}

export type MessagePost =
  | { kind: 'text'; text: string; language?: string }
  | { kind: 'propose'; shift_s: number; subject: 'self' | 'other'; text?: string; language?: string }
  | { kind: 'accept' | 'reject'; message: number; text?: string; language?: string };

export type EventType =
  | 'conflict.opened'
  | 'conflict.acknowledged'
  | 'conflict.accepted'
  | 'conflict.escalated'
  | 'conflict.resolved'
  | 'conflict.expired'
  | 'message.posted';

export interface EventData {
  conflict: ConflictView;
  by?: string;
  message?: MessageView;
  party?: string;
  level?: number;
  contacts?: Array<Record<string, unknown>>;
}

export interface EventView {
  seq: number;
  type: EventType;
  at: string;
  data: EventData;
}

export interface AuditEntry {
  seq: number;
  at_ms: number;
  kind: string;
  parties: string[];
  body_json: string;
  prev_hash: string;
  hash: string;
}

export interface Checkpoint {
  seq: number;
  hash: string;
  at_ms: number;
  public_key: string;
  signature: string;
}

export interface Suggestion {
  outcome: 'delay' | 'advance' | 'no_conflict' | 'impossible';
  shift_s: number;
  plan: string;
  explanation: string;
  conflicts_now?: number;
}

export interface Party {
  name: string;
  role: Role;
  display_name: string;
}

export interface Contact {
  id: number;
  party: string;
  name: string;
  language: string;
  role: 'primary' | 'backup';
  roster?: string;
}

export interface Me {
  party: string;
  role: Role;
  contacts: Contact[];
}

export interface PlanSubmitted {
  plan: PlanView;
  conflicts: ConflictView[];
  warnings: Issue[];
}

export interface PlanAmended {
  plan: PlanView;
  conflicts_opened: ConflictView[];
  conflicts_resolved: ConflictView[];
  conflicts_unchanged: ConflictView[];
  warnings: Issue[];
}

export interface PlanCancelled {
  plan: PlanView;
  conflicts_resolved: ConflictView[];
}

export interface CheckResult {
  conflicts: DryRunView[];
  warnings?: Issue[];
}

// The plan being drafted: form values kept as typed (so nothing the user wrote is lost), saved to
// sessionStorage on every change, and turned into a plan Feature for check, submit and amend.

import { closeRing, normaliseTime, openRing, type ParsedPoint } from './geo';
import type { Candidate } from './fileimport';
import type { Feature, Issue, PlanGeometry, PlanKind, PlanView } from './types';

export type Shape = 'line' | 'polygon' | 'point';

export interface Draft {
  /** Amending an existing plan (PUT with If-Match: baseVersion) or submitting a new one. */
  mode: 'new' | 'amend';
  baseVersion: number | null;
  id: string;
  kind: PlanKind;
  shape: Shape;
  callsign: string;
  note: string;
  points: ParsedPoint[];
  corridor_m: string;
  time_tolerance_s: string;
  radius_m: string;
  altitude_lower_m: string;
  altitude_upper_m: string;
  start: string;
  end: string;
  restricted_parties: string;
  speed_kmh: string;
  route_start: string;
}

export function emptyDraft(): Draft {
  return {
    mode: 'new',
    baseVersion: null,
    id: '',
    kind: 'movement',
    shape: 'line',
    callsign: '',
    note: '',
    points: [],
    corridor_m: '100',
    time_tolerance_s: '120',
    radius_m: '',
    altitude_lower_m: '',
    altitude_upper_m: '',
    start: '',
    end: '',
    restricted_parties: '',
    speed_kmh: '30',
    route_start: '',
  };
}

/** Which shapes each kind may have (docs/plan-format.md, "Kinds and their geometries"). */
export function shapesFor(kind: PlanKind): Shape[] {
  switch (kind) {
    case 'movement':
      return ['line'];
    case 'flight':
      return ['line', 'polygon', 'point'];
    case 'site':
      return ['point', 'polygon'];
    case 'zone':
      return ['polygon', 'line'];
  }
}

/** A route (per-vertex times) rather than an area or a line zone. */
export function isRoute(d: Pick<Draft, 'kind' | 'shape'>): boolean {
  return d.shape === 'line' && (d.kind === 'movement' || d.kind === 'flight');
}

export function hasWindow(d: Pick<Draft, 'kind' | 'shape'>): boolean {
  return !isRoute(d);
}

function storageKey(party: string): string {
  return `deconflict.draft.${party}`;
}

export function saveDraft(party: string, d: Draft | null): void {
  try {
    if (d) sessionStorage.setItem(storageKey(party), JSON.stringify(d));
    else sessionStorage.removeItem(storageKey(party));
  } catch {
    /* storage full or unavailable: the draft stays in memory */
  }
}

export function loadDraft(party: string): Draft | null {
  try {
    const s = sessionStorage.getItem(storageKey(party));
    if (!s) return null;
    return { ...emptyDraft(), ...(JSON.parse(s) as Partial<Draft>) };
  } catch {
    return null;
  }
}

function numOrUndef(s: string): number | undefined {
  const v = s.trim().replace(',', '.');
  if (v === '') return undefined;
  return Number(v);
}

/** A draft from a stored plan, for amending it. */
export function draftFromPlan(p: PlanView): Draft {
  const d = emptyDraft();
  const f = p.feature;
  const props = f.properties;
  d.mode = 'amend';
  d.baseVersion = p.version;
  d.id = p.id;
  d.kind = props.kind;
  d.callsign = props.callsign ?? '';
  d.note = props.note ?? '';
  fillFromGeometry(d, f.geometry, props.times);
  d.corridor_m = props.corridor_m !== undefined ? String(props.corridor_m) : '';
  d.time_tolerance_s = props.time_tolerance_s !== undefined ? String(props.time_tolerance_s) : '';
  d.radius_m = props.radius_m !== undefined ? String(props.radius_m) : '';
  d.altitude_lower_m = props.altitude_lower_m !== undefined ? String(props.altitude_lower_m) : '';
  d.altitude_upper_m = props.altitude_upper_m !== undefined ? String(props.altitude_upper_m) : '';
  d.start = props.start ?? '';
  d.end = props.end ?? '';
  d.restricted_parties = (props.restricted_parties ?? []).join(', ');
  d.route_start = props.times?.[0] ?? '';
  return d;
}

function fillFromGeometry(d: Draft, g: PlanGeometry, times?: string[]): void {
  if (g.type === 'Point') {
    d.shape = 'point';
    d.points = [{ lon: g.coordinates[0] ?? 0, lat: g.coordinates[1] ?? 0 }];
  } else if (g.type === 'LineString') {
    d.shape = 'line';
    d.points = g.coordinates.map((c, i) => {
      const p: ParsedPoint = { lon: c[0] ?? 0, lat: c[1] ?? 0 };
      if (c[2] !== undefined) p.alt = c[2];
      const tm = times?.[i];
      if (tm) p.time = tm;
      return p;
    });
  } else {
    d.shape = 'polygon';
    d.points = openRing(g.coordinates[0] ?? []).map((c) => ({ lon: c[0] ?? 0, lat: c[1] ?? 0 }));
  }
}

/** A draft from an imported file's feature; keeps the current id if the file has none. */
export function draftFromCandidate(c: Candidate, current: Draft): Draft {
  const d: Draft = { ...emptyDraft(), mode: current.mode, baseVersion: current.baseVersion };
  const p = c.properties;
  d.id = current.mode === 'amend' ? current.id : c.id;
  fillFromGeometry(d, c.geometry, p.times);
  if (p.kind) d.kind = p.kind;
  else if (d.shape === 'line') d.kind = d.points.every((x) => x.alt !== undefined) && d.points.length > 0 && !!p.times ? 'flight' : 'movement';
  else if (d.shape === 'polygon') d.kind = 'zone';
  else d.kind = 'site';
  if (!shapesFor(d.kind).includes(d.shape)) d.kind = d.shape === 'line' ? 'movement' : d.shape === 'polygon' ? 'zone' : 'site';
  d.callsign = p.callsign ?? '';
  d.note = p.note ?? '';
  if (p.corridor_m !== undefined) d.corridor_m = String(p.corridor_m);
  if (p.time_tolerance_s !== undefined) d.time_tolerance_s = String(p.time_tolerance_s);
  if (p.radius_m !== undefined) d.radius_m = String(p.radius_m);
  if (p.altitude_lower_m !== undefined) d.altitude_lower_m = String(p.altitude_lower_m);
  if (p.altitude_upper_m !== undefined) d.altitude_upper_m = String(p.altitude_upper_m);
  d.start = p.start ?? '';
  d.end = p.end ?? '';
  d.restricted_parties = (p.restricted_parties ?? []).join(', ');
  d.route_start = p.times?.[0] ?? '';
  return d;
}

export type LocalIssue = Issue & { code: string; params?: Record<string, string | number> };

/**
 * Builds the plan Feature. Problems the console can see before asking the server are returned
 * as issues with the same JSON paths the server uses, so they land on the same fields.
 */
export function toFeature(d: Draft): { feature: Feature; issues: LocalIssue[] } {
  const issues: LocalIssue[] = [];
  const add = (path: string, code: string, params?: Record<string, string | number>) =>
    issues.push({ path, reason: code, code, ...(params ? { params } : {}) });
  const id = d.id.trim();
  if (!id) add('id', 'draft.missingId');
  const route = isRoute(d);
  const pts = d.points;
  let geometry: PlanGeometry;
  if (d.shape === 'point') {
    const p = pts[0];
    if (!p) add('geometry.coordinates', 'draft.needPoint');
    geometry = { type: 'Point', coordinates: p ? [p.lon, p.lat] : [] };
  } else if (d.shape === 'polygon') {
    if (pts.length < 3) add('geometry.coordinates', 'draft.needThree');
    geometry = { type: 'Polygon', coordinates: [closeRing(pts.map((p) => [p.lon, p.lat]))] };
  } else {
    if (pts.length < 2) add('geometry.coordinates', 'draft.needTwo');
    const withAlt = d.kind === 'flight';
    geometry = {
      type: 'LineString',
      coordinates: pts.map((p, i) => {
        if (withAlt && route) {
          if (p.alt === undefined) add(`geometry.coordinates[${i}]`, 'draft.needAlt', { n: i + 1 });
          return [p.lon, p.lat, p.alt ?? 0];
        }
        return [p.lon, p.lat];
      }),
    };
  }
  const props: Feature['properties'] = { kind: d.kind };
  if (d.callsign.trim()) props.callsign = d.callsign.trim();
  if (d.note.trim()) props.note = d.note.trim();
  const num = (key: keyof Draft & string, path: string): number | undefined => {
    const raw = String(d[key] ?? '');
    const v = numOrUndef(raw);
    if (v !== undefined && !Number.isFinite(v)) add(path, 'draft.notNumber', { value: raw });
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  };
  if (route) {
    const times: string[] = [];
    pts.forEach((p, i) => {
      if (!p.time) add(`properties.times[${i}]`, 'draft.needTime', { n: i + 1 });
      times.push(p.time ?? '');
    });
    props.times = times;
    const c = num('corridor_m', 'properties.corridor_m');
    if (c !== undefined) props.corridor_m = c;
    const tol = num('time_tolerance_s', 'properties.time_tolerance_s');
    if (tol !== undefined) props.time_tolerance_s = tol;
  } else {
    if (d.shape === 'point') {
      const r = num('radius_m', 'properties.radius_m');
      if (r !== undefined) props.radius_m = r;
      else if (d.kind === 'site' || d.kind === 'flight') add('properties.radius_m', 'draft.needRadius');
    }
    if (d.kind === 'flight') {
      const lo = num('altitude_lower_m', 'properties.altitude_lower_m');
      const hi = num('altitude_upper_m', 'properties.altitude_upper_m');
      if (lo !== undefined) props.altitude_lower_m = lo;
      if (hi !== undefined) props.altitude_upper_m = hi;
    }
    for (const k of ['start', 'end'] as const) {
      const v = d[k].trim();
      if (!v) continue;
      const iso = normaliseTime(v);
      if (!iso) add(`properties.${k}`, 'draft.badTime', { value: v });
      else props[k] = iso;
    }
    if (d.kind === 'zone' && d.restricted_parties.trim()) {
      props.restricted_parties = d.restricted_parties
        .split(/[,;\s]+/)
        .map((x) => x.trim())
        .filter(Boolean);
    }
  }
  // properties.party is left out: the server takes it from the token.
  return { feature: { type: 'Feature', id, properties: props, geometry }, issues };
}

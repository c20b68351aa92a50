// Reading a plan from a file: GeoJSON (a Feature, a FeatureCollection or a bare geometry; the
// plan format of docs/plan-format.md is read with all its properties), GPX and KML (converted
// with @tmcw/togeojson; track times become the route's times). Every failure is a LocalError
// that says what was wrong with which file.

import { gpx, kml } from '@tmcw/togeojson';
import { data, t } from './i18n';
import { LocalError } from './views/common';
import type { PlanGeometry, PlanKind, PlanProperties, Position } from './types';

export const MAX_FILE_BYTES = 1024 * 1024; // the server's body limit

export interface Candidate {
  /** Shown in the chooser when a file holds several features. */
  label: string;
  id: string;
  geometry: PlanGeometry;
  properties: Partial<PlanProperties>;
}

interface LooseFeature {
  type?: unknown;
  id?: unknown;
  properties?: Record<string, unknown> | null;
  geometry?: { type?: unknown; coordinates?: unknown; geometries?: unknown } | null;
}

const KINDS: readonly PlanKind[] = ['movement', 'flight', 'site', 'zone'];

function isPos(p: unknown): p is Position {
  return Array.isArray(p) && p.length >= 2 && p.length <= 3 && p.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function numProp(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Splits multi-geometries into parts; returns null for what a plan cannot be. */
function geometries(g: LooseFeature['geometry']): PlanGeometry[] | null {
  if (!g || typeof g.type !== 'string') return null;
  const c = g.coordinates;
  switch (g.type) {
    case 'Point':
      return isPos(c) ? [{ type: 'Point', coordinates: c }] : null;
    case 'LineString':
      return Array.isArray(c) && c.every(isPos) ? [{ type: 'LineString', coordinates: c }] : null;
    case 'Polygon':
      return Array.isArray(c) && c.every((r) => Array.isArray(r) && r.every(isPos))
        ? [{ type: 'Polygon', coordinates: c as Position[][] }]
        : null;
    case 'MultiPoint':
      return Array.isArray(c) && c.every(isPos) ? c.map((p) => ({ type: 'Point', coordinates: p })) : null;
    case 'MultiLineString':
      return Array.isArray(c) && c.every((l) => Array.isArray(l) && l.every(isPos))
        ? (c as Position[][]).map((l) => ({ type: 'LineString', coordinates: l }))
        : null;
    case 'MultiPolygon':
      return Array.isArray(c)
        ? (c as Position[][][]).map((p) => ({ type: 'Polygon', coordinates: p }))
        : null;
    case 'GeometryCollection':
      if (!Array.isArray(g.geometries)) return null;
      return (g.geometries as LooseFeature['geometry'][]).flatMap((x) => geometries(x) ?? []);
    default:
      return null;
  }
}

/** Per-vertex times from a plan's `times`, or from GPX/KML `coordinateProperties.times`. */
function timesOf(props: Record<string, unknown>, part: number, n: number): string[] | undefined {
  const direct = props['times'];
  if (Array.isArray(direct) && direct.length === n && direct.every((x) => typeof x === 'string')) return direct as string[];
  const cp = props['coordinateProperties'] as Record<string, unknown> | undefined;
  let times = cp?.['times'];
  if (Array.isArray(times) && Array.isArray(times[0])) times = times[part];
  if (Array.isArray(times) && times.length === n && times.every((x) => typeof x === 'string')) {
    return (times as string[]).map((x) => new Date(x).toISOString().replace('.000Z', 'Z'));
  }
  return undefined;
}

function toCandidates(features: LooseFeature[], fileName: string): Candidate[] {
  const out: Candidate[] = [];
  const base = slug(fileName.replace(/\.[^.]+$/, '')) || 'plan';
  features.forEach((f, fi) => {
    const props = (f.properties && typeof f.properties === 'object' ? f.properties : {}) as Record<string, unknown>;
    const parts = geometries(f.geometry);
    if (!parts) return;
    parts.forEach((g, pi) => {
      const name = str(props['callsign']) ?? str(props['name']) ?? str(props['title']);
      const fid = typeof f.id === 'string' || typeof f.id === 'number' ? String(f.id) : undefined;
      let id = fid ?? (name ? slug(name) : `${base}-${fi + 1}`);
      if (parts.length > 1) id = `${id}-${pi + 1}`;
      const p: Partial<PlanProperties> = {};
      const kind = str(props['kind']);
      if (kind && (KINDS as readonly string[]).includes(kind)) p.kind = kind as PlanKind;
      const callsign = str(props['callsign']) ?? str(props['name']);
      if (callsign) p.callsign = callsign;
      const note = str(props['note']) ?? str(props['desc']) ?? str(props['description']);
      if (note) p.note = note;
      if (g.type === 'LineString') {
        const times = timesOf(props, pi, g.coordinates.length);
        if (times) p.times = times;
      }
      for (const k of ['corridor_m', 'time_tolerance_s', 'radius_m', 'altitude_lower_m', 'altitude_upper_m'] as const) {
        const v = numProp(props[k]);
        if (v !== undefined) p[k] = v;
      }
      for (const k of ['start', 'end'] as const) {
        const v = str(props[k]);
        if (v) p[k] = v;
      }
      const rp = props['restricted_parties'];
      if (Array.isArray(rp) && rp.every((x) => typeof x === 'string')) p.restricted_parties = rp as string[];
      const n = g.type === 'Point' ? 1 : g.type === 'LineString' ? g.coordinates.length : (g.coordinates[0]?.length ?? 0);
      out.push({ id, label: `${name ?? id} · ${g.type} · ${n}`, geometry: g, properties: p });
    });
  });
  return out;
}

function parseXml(text: string, name: string): Document {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const err = doc.getElementsByTagName('parsererror')[0];
  if (err) {
    throw new LocalError(t('import.badXml', { name, detail: (err.textContent ?? '').split('\n')[0] ?? '' }));
  }
  return doc;
}

/** Reads one file into plan candidates (at least one, or a LocalError). */
export async function readPlanFile(file: File): Promise<Candidate[]> {
  const name = file.name || 'file';
  if (file.size > MAX_FILE_BYTES) {
    throw new LocalError(t('import.tooLarge', { name, size: Math.round(file.size / 1024) }));
  }
  let text: string;
  try {
    text = await file.text();
  } catch {
    throw new LocalError(t('import.unreadable', { name }));
  }
  const lower = name.toLowerCase();
  const trimmed = text.trimStart();
  let features: LooseFeature[];
  if (lower.endsWith('.gpx') || (trimmed.startsWith('<') && /<gpx[\s>]/.test(trimmed.slice(0, 2000)))) {
    features = gpx(parseXml(text, name)).features as LooseFeature[];
  } else if (lower.endsWith('.kml') || (trimmed.startsWith('<') && /<kml[\s>]/.test(trimmed.slice(0, 2000)))) {
    features = kml(parseXml(text, name)).features as LooseFeature[];
  } else if (trimmed.startsWith('<')) {
    throw new LocalError(t('import.unknownXml', { name }));
  } else {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new LocalError(t('import.badJson', { name, detail: e instanceof Error ? e.message : String(e) }));
    }
    if (!doc || typeof doc !== 'object') throw new LocalError(t('import.notGeoJson', { name }));
    const d = doc as { type?: unknown; features?: unknown };
    if (d.type === 'FeatureCollection' && Array.isArray(d.features)) features = d.features as LooseFeature[];
    else if (d.type === 'Feature') features = [d as LooseFeature];
    else if (typeof d.type === 'string' && 'coordinates' in (d as object)) {
      features = [{ type: 'Feature', properties: {}, geometry: d as LooseFeature['geometry'] }];
    } else throw new LocalError(t('import.notGeoJson', { name }));
  }
  const list = toCandidates(features, name);
  if (list.length === 0) {
    throw new LocalError(features.length === 0 ? t('import.empty', { name }) : t('import.noUsable', { name }));
  }
  return list;
}

export function candidateLabel(c: Candidate) {
  return data(c.label);
}

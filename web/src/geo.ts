// Small geometry and time helpers for the console (display and drafting only: conflicts are
// computed by the server, exactly).

import type { Feature, PlanGeometry, Position } from './types';

const R = 6_371_008.8; // mean Earth radius, m

/** Great-circle distance in metres (enough to derive times from a speed). */
export function distanceM(a: Position, b: Position): number {
  const [lon1 = 0, lat1 = 0] = a;
  const [lon2 = 0, lat2 = 0] = b;
  const p1 = (lat1 * Math.PI) / 180;
  const p2 = (lat2 * Math.PI) / 180;
  const dp = p2 - p1;
  const dl = ((lon2 - lon1) * Math.PI) / 180;
  const s = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)));
}

export interface ParsedPoint {
  lat: number;
  lon: number;
  alt?: number;
  time?: string;
}

export type CoordError =
  | { line: number; kind: 'format' }
  | { line: number; kind: 'lat'; value: number }
  | { line: number; kind: 'lon'; value: number }
  | { line: number; kind: 'time'; value: string };

const NUM = String.raw`[-+]?\d+(?:[.,]\d+)?`;
const HEMI = String.raw`\s*°?\s*([NSEWnsew])?`;
const POINT_RE = new RegExp(
  String.raw`^\s*(${NUM})${HEMI}\s*[,;\s]\s*(${NUM})${HEMI}` +
    String.raw`(?:\s*[,;\s]\s*(${NUM})(?:\s*m)?)?` +
    String.raw`(?:\s*[,;\s]\s*(\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?))?\s*$`,
);

function num(s: string): number {
  return Number(s.replace(',', '.'));
}

/** Normalises "2026-11-22 08:00" (read as UTC) to RFC 3339. */
export function normaliseTime(s: string): string | null {
  let v = s.trim().replace(' ', 'T');
  if (/T\d\d:\d\d$/.test(v)) v += ':00';
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(v)) v += 'Z';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace('.000Z', 'Z');
}

/**
 * Parses one point per line: "latitude, longitude[, altitude m][, time]". Hemisphere letters
 * may follow the numbers ("37.04N 41.63E"), in which case their order is taken from the letters.
 * Blank lines and lines starting with # are skipped.
 */
export function parseCoordinates(text: string): { points: ParsedPoint[]; errors: CoordError[] } {
  const points: ParsedPoint[] = [];
  const errors: CoordError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s || s.startsWith('#')) return;
    const m = POINT_RE.exec(s);
    if (!m) {
      errors.push({ line, kind: 'format' });
      return;
    }
    let a = num(m[1] ?? '');
    const ha = (m[2] ?? '').toUpperCase();
    let b = num(m[3] ?? '');
    const hb = (m[4] ?? '').toUpperCase();
    if (ha === 'S' || ha === 'W') a = -Math.abs(a);
    if (hb === 'S' || hb === 'W') b = -Math.abs(b);
    let lat = a;
    let lon = b;
    if ((ha === 'E' || ha === 'W') && (hb === 'N' || hb === 'S' || hb === '')) {
      lat = b;
      lon = a;
    }
    if (!(lat >= -90 && lat <= 90)) {
      errors.push({ line, kind: 'lat', value: lat });
      return;
    }
    if (!(lon >= -180 && lon <= 180)) {
      errors.push({ line, kind: 'lon', value: lon });
      return;
    }
    const p: ParsedPoint = { lat, lon };
    if (m[5] !== undefined) p.alt = num(m[5]);
    if (m[6] !== undefined) {
      const tm = normaliseTime(m[6]);
      if (!tm) {
        errors.push({ line, kind: 'time', value: m[6] });
        return;
      }
      p.time = tm;
    }
    points.push(p);
  });
  return { points, errors };
}

/** The reverse of parseCoordinates, for the text field. */
export function formatCoordinates(points: ParsedPoint[]): string {
  return points
    .map((p) => {
      let s = `${round6(p.lat)}, ${round6(p.lon)}`;
      if (p.alt !== undefined) s += `, ${p.alt}`;
      if (p.time) s += `, ${p.time}`;
      return s;
    })
    .join('\n');
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Times for each vertex from a start time and a constant ground speed. */
export function timesFromSpeed(points: Position[], startMs: number, speedKmh: number): string[] {
  const out: string[] = [];
  let t = startMs;
  const mps = (speedKmh * 1000) / 3600;
  points.forEach((p, i) => {
    if (i > 0) {
      const prev = points[i - 1];
      if (prev) t += (distanceM(prev, p) / mps) * 1000;
    }
    out.push(new Date(Math.round(t / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
  });
  return out;
}

export function shiftIso(iso: string, seconds: number): string {
  const d = new Date(iso);
  return new Date(d.getTime() + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Moves every time of a plan by `seconds` (times, start, end), as a suggested delay does. */
export function shiftFeature(f: Feature, seconds: number): Feature {
  const copy = JSON.parse(JSON.stringify(f)) as Feature;
  const p = copy.properties;
  if (Array.isArray(p.times)) p.times = p.times.map((x) => shiftIso(x, seconds));
  if (typeof p.start === 'string') p.start = shiftIso(p.start, seconds);
  if (typeof p.end === 'string') p.end = shiftIso(p.end, seconds);
  return copy;
}

/** [startMs, endMs] of a plan, or null bounds for unbounded sites and zones. */
export function planSpan(f: Feature): [number | null, number | null] {
  const p = f.properties;
  if (Array.isArray(p.times) && p.times.length) {
    const ts = p.times.map((x) => Date.parse(x)).filter((x) => !Number.isNaN(x));
    if (ts.length) return [Math.min(...ts), Math.max(...ts)];
  }
  const s = typeof p.start === 'string' ? Date.parse(p.start) : NaN;
  const e = typeof p.end === 'string' ? Date.parse(p.end) : NaN;
  return [Number.isNaN(s) ? null : s, Number.isNaN(e) ? null : e];
}

/** Whether the plan is active at `ms` (routes: between first and last time, ± tolerance). */
export function activeAt(f: Feature, ms: number): boolean {
  const [s, e] = planSpan(f);
  const tol = (f.properties.time_tolerance_s ?? 0) * 1000;
  if (s !== null && ms < s - tol) return false;
  if (e !== null && ms > e + tol) return false;
  return true;
}

/** Where a route is scheduled to be at `ms`: linear between vertices (display only). */
export function positionAt(coords: Position[], times: string[], ms: number): Position | null {
  if (coords.length === 0 || coords.length !== times.length) return null;
  const ts = times.map((x) => Date.parse(x));
  const first = ts[0];
  const last = ts[ts.length - 1];
  if (first === undefined || last === undefined || ms < first || ms > last) return null;
  for (let i = 1; i < ts.length; i++) {
    const t0 = ts[i - 1] as number;
    const t1 = ts[i] as number;
    if (ms <= t1) {
      const a = coords[i - 1] as Position;
      const b = coords[i] as Position;
      const f = t1 === t0 ? 1 : (ms - t0) / (t1 - t0);
      return [(a[0] ?? 0) + ((b[0] ?? 0) - (a[0] ?? 0)) * f, (a[1] ?? 0) + ((b[1] ?? 0) - (a[1] ?? 0)) * f];
    }
  }
  return coords[coords.length - 1] ?? null;
}

/** Every [lon, lat] of a geometry. */
export function positionsOf(g: PlanGeometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'LineString':
      return g.coordinates;
    case 'Polygon':
      return g.coordinates.flat();
  }
}

/** Closes a ring (first position repeated at the end) if it is open. */
export function closeRing(ring: Position[]): Position[] {
  if (ring.length === 0) return ring;
  const a = ring[0] as Position;
  const b = ring[ring.length - 1] as Position;
  if (a[0] === b[0] && a[1] === b[1]) return ring;
  return [...ring, [...a]];
}

/** Drops the closing position of a ring (for editing). */
export function openRing(ring: Position[]): Position[] {
  if (ring.length < 2) return ring;
  const a = ring[0] as Position;
  const b = ring[ring.length - 1] as Position;
  return a[0] === b[0] && a[1] === b[1] ? ring.slice(0, -1) : ring;
}

/** Metres per CSS pixel in Web Mercator at a latitude and zoom. */
export function metresPerPixel(lat: number, zoom: number): number {
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** (zoom + 8);
}

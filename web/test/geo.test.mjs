// Coordinate entry, times from speed, shifting a plan, and building the Feature from a draft.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';

const geo = await loadTs('geo.ts');
const draft = await loadTs('draft.ts');

test('parses "latitude, longitude" lines, hemispheres, altitude and time', () => {
  const r = geo.parseCoordinates('37.04, 41.60\n# comment\n\n37.04N 41.72E\n41.5E 37.0N\n36.9; 41.6; 800; 2026-03-14 08:30');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.points, [
    { lat: 37.04, lon: 41.6 },
    { lat: 37.04, lon: 41.72 },
    { lat: 37.0, lon: 41.5 },
    { lat: 36.9, lon: 41.6, alt: 800, time: '2026-03-14T08:30:00Z' },
  ]);
});

test('reports each bad line with its number', () => {
  const r = geo.parseCoordinates('95, 41\n37, 200\nhello\n37, 41, 2026-13-45T99:00');
  assert.deepEqual(r.errors.map((e) => [e.line, e.kind]), [
    [1, 'lat'],
    [2, 'lon'],
    [3, 'format'],
    [4, 'time'],
  ]);
});

test('times from start and speed follow the distance', () => {
  const start = Date.parse('2026-03-14T08:00:00Z');
  // 0.16° of latitude ≈ 17.8 km; at 26.7 km/h ≈ 40 min
  const ts = geo.timesFromSpeed([[41.6, 36.88], [41.6, 37.04]], start, 26.7);
  assert.equal(ts[0], '2026-03-14T08:00:00Z');
  const mins = (Date.parse(ts[1]) - start) / 60000;
  assert.ok(mins > 39 && mins < 41, String(mins));
});

test('shiftFeature moves times, start and end, nothing else', () => {
  const f = {
    type: 'Feature',
    id: 'p',
    properties: { kind: 'movement', times: ['2026-03-14T08:00:00Z', '2026-03-14T09:00:00Z'], corridor_m: 50 },
    geometry: { type: 'LineString', coordinates: [[41, 37], [41.1, 37]] },
  };
  const g = geo.shiftFeature(f, 620);
  assert.deepEqual(g.properties.times, ['2026-03-14T08:10:20Z', '2026-03-14T09:10:20Z']);
  assert.equal(g.properties.corridor_m, 50);
  assert.deepEqual(g.geometry, f.geometry);
  assert.equal(f.properties.times[0], '2026-03-14T08:00:00Z', 'the original is untouched');
});

test('positionAt interpolates along the scheduled route', () => {
  const p = geo.positionAt([[41, 37], [42, 37]], ['2026-03-14T08:00:00Z', '2026-03-14T10:00:00Z'], Date.parse('2026-03-14T09:00:00Z'));
  assert.deepEqual(p, [41.5, 37]);
  assert.equal(geo.positionAt([[41, 37], [42, 37]], ['2026-03-14T08:00:00Z', '2026-03-14T10:00:00Z'], 0), null);
});

test('a route draft becomes a plan Feature in GeoJSON order', () => {
  const d = {
    ...draft.emptyDraft(),
    id: 'us-patrol-9',
    callsign: 'US-PATROL-9',
    points: [
      { lat: 36.88, lon: 41.6, time: '2026-03-14T08:00:00Z' },
      { lat: 37.04, lon: 41.6, time: '2026-03-14T08:40:00Z' },
    ],
    corridor_m: '100',
    time_tolerance_s: '120',
  };
  const { feature, issues } = draft.toFeature(d);
  assert.deepEqual(issues, []);
  assert.deepEqual(feature, {
    type: 'Feature',
    id: 'us-patrol-9',
    properties: { kind: 'movement', callsign: 'US-PATROL-9', times: d.points.map((p) => p.time), corridor_m: 100, time_tolerance_s: 120 },
    geometry: { type: 'LineString', coordinates: [[41.6, 36.88], [41.6, 37.04]] },
  });
});

test('an area draft closes its ring; missing pieces are reported with server-style paths', () => {
  const area = draft.toFeature({ ...draft.emptyDraft(), id: 'z', kind: 'zone', shape: 'polygon', points: [{ lat: 1, lon: 2 }, { lat: 1, lon: 3 }, { lat: 2, lon: 3 }] });
  assert.deepEqual(area.feature.geometry.coordinates[0], [[2, 1], [3, 1], [3, 2], [2, 1]]);
  const bad = draft.toFeature({ ...draft.emptyDraft(), id: '', points: [{ lat: 1, lon: 2 }], corridor_m: 'abc' });
  assert.deepEqual(bad.issues.map((i) => i.path), ['id', 'geometry.coordinates', 'properties.times[0]', 'properties.corridor_m']);
});

test('a plan with times from a file survives draftFromCandidate', () => {
  const c = {
    id: 'ru-x', label: 'x',
    geometry: { type: 'LineString', coordinates: [[41.4, 37.07], [41.63, 37.07]] },
    properties: { kind: 'movement', callsign: 'RU-X', times: ['2026-03-14T08:10:00Z', '2026-03-14T08:42:00Z'], corridor_m: 50, time_tolerance_s: 180 },
  };
  const d = draft.draftFromCandidate(c, draft.emptyDraft());
  const { feature, issues } = draft.toFeature(d);
  assert.deepEqual(issues, []);
  assert.deepEqual(feature.properties.times, c.properties.times);
  assert.equal(feature.properties.corridor_m, 50);
  assert.equal(feature.id, 'ru-x');
});

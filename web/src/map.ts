// The map: Leaflet with an offline basemap (Natural Earth countries from the world-atlas package,
// copied to /ui/world.json at build time), a graticule, own plans, conflict areas and closest
// approaches, a draft being drawn, and positions at a chosen time. No tiles, no network beyond
// /ui/world.json. Tooltip and popup contents are always DOM elements (Leaflet would otherwise
// insert strings as HTML).

import * as L from 'leaflet';
import { feature as topoFeature, mesh as topoMesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Feature as GjFeature, FeatureCollection, MultiLineString } from 'geojson';
import { bdi, h } from './dom';
import { data, fmtDuration, fmtMeters, fmtUtc, fmtUtcShort, t, type Text } from './i18n';
import { activeAt, metresPerPixel, positionAt } from './geo';
import type { ConflictView, DryRunView, Feature, PlanView, Position } from './types';

const COLORS = {
  own: '#1c55b8',
  draft: '#b3541e',
  conflict: '#c0162d',
  dryRun: '#8a2be2',
  zone: '#7a1f5c',
};
const PARTY_PALETTE = ['#1c55b8', '#2f7d32', '#8a4b00', '#6a2c91', '#00676b', '#a1173a', '#4a5568'];

export function partyColor(party: string, ownParty: string | null): string {
  if (ownParty && party === ownParty) return COLORS.own;
  let hsh = 0;
  for (const c of party) hsh = (hsh * 31 + c.charCodeAt(0)) >>> 0;
  return PARTY_PALETTE[hsh % PARTY_PALETTE.length] ?? COLORS.own;
}

interface BaseData {
  land: FeatureCollection;
  borders: MultiLineString;
}

// Leaflet 1.9 ends an animated zoom from a 250 ms timer (its workaround for a missing
// `transitionend`) that does not check whether the map still exists: a map removed in those
// 250 ms, e.g. when the officer leaves the map page right after "Show" or "Amend", then throws
// "Cannot read properties of undefined (reading '_leaflet_pos')". Ignore the timer once the map
// has lost its panes (remove() deletes `_mapPane`).
{
  type ZoomEnd = (this: { _mapPane?: HTMLElement }) => void;
  const proto = L.Map.prototype as unknown as { _onZoomTransitionEnd?: ZoomEnd };
  const original = proto._onZoomTransitionEnd;
  if (typeof original === 'function') {
    proto._onZoomTransitionEnd = function (this: { _mapPane?: HTMLElement }) {
      if (!this._mapPane) return;
      original.call(this);
    };
  }
}

let basePromise: Promise<BaseData> | null = null;

/** Loads and converts the basemap once per page. */
export function loadBasemap(): Promise<BaseData> {
  if (!basePromise) {
    basePromise = fetch('/ui/world.json', { cache: 'force-cache' })
      .then((r) => {
        if (!r.ok) throw new Error(`basemap: HTTP ${r.status}`);
        return r.json() as Promise<Topology>;
      })
      .then((topo) => {
        const countries = topo.objects['countries'] as GeometryCollection;
        const land = topoFeature(topo, countries) as unknown as FeatureCollection;
        const borders = topoMesh(topo, countries, (a, b) => a !== b) as unknown as MultiLineString;
        return { land, borders };
      });
    basePromise.catch(() => {
      basePromise = null;
    });
  }
  return basePromise;
}

function ll(p: Position): L.LatLngExpression {
  return [p[1] ?? 0, p[0] ?? 0];
}

function kindLabel(kind: string): Text {
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

export function conflictTypeLabel(type: string): Text {
  switch (type) {
    case 'separation':
      return t('ctype.separation');
    case 'site_buffer':
      return t('ctype.site_buffer');
    case 'zone_entry':
      return t('ctype.zone_entry');
    case 'line_crossing':
      return t('ctype.line_crossing');
    default:
      return data(type);
  }
}

function planTip(f: Feature, party: string | null): HTMLElement {
  const p = f.properties;
  return h(
    'div',
    { class: 'map-tip' },
    h('strong', null, data(p.callsign || f.id)),
    party ? h('span', { class: 'tip-party' }, data(` ${party}`)) : null,
    h('div', null, kindLabel(p.kind), data(' · '), data(f.id)),
  );
}

interface Corridor {
  line: L.Polyline;
  metres: number;
  lat: number;
}

interface Mover {
  f: Feature;
  marker: L.CircleMarker;
}

interface Fader {
  f: Feature;
  layers: L.Path[];
}

export interface DraftShape {
  kind: 'line' | 'polygon' | 'point';
  positions: Position[];
  radiusM?: number;
  corridorM?: number;
  times?: string[];
  zoneLine?: boolean;
}

export class MapView {
  readonly map: L.Map;
  private readonly renderer: L.Canvas;
  private readonly graticule = L.layerGroup();
  private readonly plans = L.layerGroup();
  private readonly conflicts = L.layerGroup();
  private readonly dryRun = L.layerGroup();
  private readonly draft = L.layerGroup();
  private readonly movers = L.layerGroup();
  private corridors: Corridor[] = [];
  private moverList: Mover[] = [];
  private faders: Fader[] = [];
  private conflictAreas: Array<{ c: ConflictView | DryRunView; poly: L.Polygon }> = [];
  private clickHandler: ((lat: number, lon: number) => void) | null = null;
  private timeMs: number | null = null;
  private destroyed = false;

  constructor(container: HTMLElement, label: Text) {
    container.classList.add('map');
    container.setAttribute('dir', 'ltr'); // Leaflet lays out its panes left to right
    container.setAttribute('role', 'region');
    container.setAttribute('aria-label', label);
    this.map = L.map(container, {
      center: [37.0, 41.6],
      zoom: 9,
      minZoom: 2,
      maxZoom: 17,
      worldCopyJump: true,
      attributionControl: true,
      zoomControl: true,
      keyboard: true,
    });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution(t('map.attribution'));
    this.renderer = L.canvas({ padding: 0.5 });
    L.control.scale({ metric: true, imperial: false }).addTo(this.map);
    this.graticule.addTo(this.map);
    this.plans.addTo(this.map);
    this.conflicts.addTo(this.map);
    this.dryRun.addTo(this.map);
    this.draft.addTo(this.map);
    this.movers.addTo(this.map);
    this.map.on('zoomend', () => this.updateCorridors());
    this.map.on('moveend', () => this.drawGraticule());
    this.map.on('click', (e: L.LeafletMouseEvent) => {
      if (this.clickHandler) this.clickHandler(e.latlng.lat, L.Util.wrapNum(e.latlng.lng, [-180, 180], true));
    });
    void loadBasemap()
      .then((b) => {
        if (this.destroyed) return;
        const pane = this.map.createPane('basemap');
        pane.style.zIndex = '200';
        const landOpts: L.GeoJSONOptions & L.PathOptions = {
          pane: 'basemap',
          interactive: false,
          renderer: this.renderer,
          style: { color: '#9aa5a0', weight: 0.6, fillColor: '#f3f1e7', fillOpacity: 1 },
        };
        L.geoJSON(b.land as never, landOpts).addTo(this.map);
        const borderOpts: L.GeoJSONOptions & L.PathOptions = {
          pane: 'basemap',
          interactive: false,
          renderer: this.renderer,
          style: { color: '#6b6b6b', weight: 1.2, dashArray: '4 3' },
        };
        L.geoJSON({ type: 'Feature', geometry: b.borders, properties: {} } as GjFeature, borderOpts).addTo(this.map);
      })
      .catch(() => {
        container.dataset['basemap'] = 'missing';
      });
    this.drawGraticule();
  }

  /** Removes the map. Every method is a no-op afterwards (callbacks may still arrive). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.map.stop();
    this.map.remove();
  }

  invalidate(): void {
    if (this.destroyed) return;
    this.map.invalidateSize();
  }

  /** Adds vertices on map clicks while a handler is set (draft drawing). */
  setClickHandler(f: ((lat: number, lon: number) => void) | null): void {
    if (this.destroyed) return;
    this.clickHandler = f;
    this.map.getContainer().classList.toggle('drawing', !!f);
  }

  private drawGraticule(): void {
    if (this.destroyed) return;
    this.graticule.clearLayers();
    const b = this.map.getBounds();
    const span = Math.max(b.getEast() - b.getWest(), b.getNorth() - b.getSouth());
    const steps = [30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005];
    const step = steps.find((s) => span / s >= 3) ?? 0.005;
    const dec = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
    const style: L.PolylineOptions = { color: '#7d8fa3', weight: 0.7, opacity: 0.6, interactive: false };
    const south = Math.max(-85, b.getSouth());
    const north = Math.min(85, b.getNorth());
    for (let lon = Math.ceil(b.getWest() / step) * step; lon <= b.getEast(); lon += step) {
      L.polyline(
        [
          [south, lon],
          [north, lon],
        ],
        style,
      ).addTo(this.graticule);
      const wrapped = L.Util.wrapNum(lon, [-180, 180], true);
      L.marker([north, lon], {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'grid-label grid-label-lon',
          html: h('span', null, data(`${Math.abs(wrapped).toFixed(dec)}°`), wrapped >= 0 ? t('geo.E') : t('geo.W')),
          iconSize: [0, 0],
        }),
      }).addTo(this.graticule);
    }
    for (let lat = Math.ceil(south / step) * step; lat <= north; lat += step) {
      L.polyline(
        [
          [lat, b.getWest()],
          [lat, b.getEast()],
        ],
        style,
      ).addTo(this.graticule);
      L.marker([lat, b.getWest()], {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'grid-label grid-label-lat',
          html: h('span', null, data(`${Math.abs(lat).toFixed(dec)}°`), lat >= 0 ? t('geo.N') : t('geo.S')),
          iconSize: [0, 0],
        }),
      }).addTo(this.graticule);
    }
  }

  private updateCorridors(): void {
    if (this.destroyed) return;
    const z = this.map.getZoom();
    for (const c of this.corridors) {
      const w = Math.min(400, Math.max(1, (2 * c.metres) / metresPerPixel(c.lat, z)));
      c.line.setStyle({ weight: w });
    }
  }

  private addRoute(
    layer: L.LayerGroup,
    f: Feature,
    coords: Position[],
    color: string,
    party: string | null,
    dashed: boolean,
  ): L.Path[] {
    const p = f.properties;
    const paths: L.Path[] = [];
    const latlngs = coords.map(ll);
    const corridor = p.corridor_m ?? 0;
    if (corridor > 0) {
      const line = L.polyline(latlngs, {
        color,
        opacity: 0.18,
        weight: 1,
        lineCap: 'round',
        lineJoin: 'round',
        interactive: false,
      }).addTo(layer);
      const lat = coords.reduce((s, c) => s + (c[1] ?? 0), 0) / Math.max(1, coords.length);
      this.corridors.push({ line, metres: corridor, lat });
      paths.push(line);
    }
    const centre = L.polyline(latlngs, {
      color,
      weight: 3,
      dashArray: dashed ? '8 6' : undefined,
      className: 'plan-line',
    }).addTo(layer);
    centre.bindTooltip(planTip(f, party), { sticky: true });
    paths.push(centre);
    const times = Array.isArray(p.times) && p.times.length === coords.length ? p.times : null;
    const labelAll = coords.length <= 14;
    coords.forEach((c, i) => {
      const m = L.circleMarker(ll(c), {
        radius: 4,
        color,
        weight: 2,
        fillColor: '#ffffff',
        fillOpacity: 1,
      }).addTo(layer);
      paths.push(m);
      const time = times?.[i];
      if (time && (labelAll || i === 0 || i === coords.length - 1)) {
        const alt = c[2];
        m.bindTooltip(
          h('span', null, fmtUtcShort(time), alt !== undefined ? data(` · ${alt} m`) : null),
          { permanent: true, direction: 'right', offset: [6, 0], className: 'vertex-label' },
        );
      }
    });
    return paths;
  }

  private addPlanShape(layer: L.LayerGroup, f: Feature, color: string, party: string | null, dashed = false): L.Path[] {
    const g = f.geometry;
    const p = f.properties;
    const tip = planTip(f, party);
    switch (g.type) {
      case 'LineString': {
        if (p.kind === 'zone') {
          const line = L.polyline(g.coordinates.map(ll), {
            color: COLORS.zone,
            weight: 4,
            dashArray: '10 6',
          }).addTo(layer);
          line.bindTooltip(tip, { sticky: true });
          return [line];
        }
        const paths = this.addRoute(layer, f, g.coordinates, color, party, dashed);
        if (Array.isArray(p.times) && p.times.length === g.coordinates.length) {
          const marker = L.circleMarker(ll(g.coordinates[0] ?? [0, 0]), {
            radius: 7,
            color: '#ffffff',
            weight: 2,
            fillColor: color,
            fillOpacity: 1,
          });
          marker.bindTooltip(h('span', null, data(p.callsign || f.id)), {
            permanent: true,
            direction: 'top',
            offset: [0, -8],
            className: 'mover-label',
          });
          this.moverList.push({ f, marker });
        }
        return paths;
      }
      case 'Polygon': {
        const poly = L.polygon(
          g.coordinates.map((r) => r.map(ll)),
          {
            color: p.kind === 'zone' ? COLORS.zone : color,
            weight: 2,
            fillOpacity: 0.15,
            dashArray: dashed ? '8 6' : p.kind === 'zone' ? '10 6' : undefined,
          },
        ).addTo(layer);
        poly.bindTooltip(tip, { sticky: true });
        return [poly];
      }
      case 'Point': {
        const r = p.radius_m ?? 0;
        const shape =
          r > 0
            ? L.circle(ll(g.coordinates), { radius: r, color, weight: 2, fillOpacity: 0.15, dashArray: dashed ? '8 6' : undefined })
            : L.circleMarker(ll(g.coordinates), { radius: 6, color, weight: 2 });
        shape.addTo(layer).bindTooltip(tip, { sticky: true });
        return [shape];
      }
    }
  }

  /** Draws plans (a party: its own; coordinators and observers: everyone's). */
  setPlans(plans: PlanView[], ownParty: string | null, showParty: boolean): void {
    if (this.destroyed) return;
    this.plans.clearLayers();
    this.movers.clearLayers();
    this.corridors = [];
    this.moverList = [];
    this.faders = [];
    for (const pv of plans) {
      if (pv.status !== 'active' && pv.status !== 'pending') continue;
      const color = partyColor(pv.party, ownParty);
      // A pending zone (waiting for a coordinator) is drawn dashed: it restricts nobody yet.
      const layers = this.addPlanShape(this.plans, pv.feature, color, showParty ? pv.party : null, pv.status === 'pending');
      this.faders.push({ f: pv.feature, layers });
    }
    this.updateCorridors();
    this.applyTime();
  }

  private conflictLayer(layer: L.LayerGroup, c: ConflictView | DryRunView, color: string, dashed: boolean): L.Polygon {
    // A party gets an area of grid cells, never the other party's point (docs/security.md §2);
    // coordinators and observers get the exact view.
    const grain = c.disclosure.exact ? 'exact' : 'coarse';
    const poly = L.polygon(
      c.area.coordinates.map((r) => r.map(ll)),
      { color, weight: 2, fillOpacity: 0.12, dashArray: dashed ? '6 4' : '2 4', className: `conflict-area ${grain}` },
    ).addTo(layer);
    const tip = h(
      'div',
      { class: 'map-tip' },
      h('strong', null, conflictTypeLabel(c.type)),
      h('div', null, sidesEl(c)),
      h('div', null, t('conflict.window'), data(': '), windowLabel(c)),
    );
    poly.bindTooltip(tip, { sticky: true });
    this.conflictAreas.push({ c, poly });
    // The point is the caller's own plan at the closest approach; none when its plan is an area.
    const pt = c.closest_approach.point?.coordinates;
    if (!pt) return poly;
    const marker = L.marker(ll(pt), {
      keyboard: false,
      icon: L.divIcon({ className: 'ca-marker', html: h('span', { attrs: { 'aria-hidden': 'true' } }), iconSize: [22, 22] }),
    }).addTo(layer);
    marker.bindTooltip(
      h(
        'div',
        { class: 'map-tip' },
        h('strong', null, t('conflict.closest')),
        h('div', null, fmtUtc(c.closest_approach.time)),
        h('div', null, distanceText(c)),
      ),
      { direction: 'top', offset: [0, -10] },
    );
    return poly;
  }

  setConflicts(list: ConflictView[]): void {
    if (this.destroyed) return;
    this.conflicts.clearLayers();
    this.conflictAreas = this.conflictAreas.filter((x) => !('id' in x.c));
    for (const c of list) {
      const live = c.status === 'open' || c.status === 'acknowledged';
      this.conflictLayer(this.conflicts, c, live ? COLORS.conflict : '#6b6b6b', live);
    }
    this.applyTime();
  }

  setDryRun(list: DryRunView[]): void {
    if (this.destroyed) return;
    this.dryRun.clearLayers();
    this.conflictAreas = this.conflictAreas.filter((x) => 'id' in x.c);
    for (const c of list) this.conflictLayer(this.dryRun, c, COLORS.dryRun, true);
  }

  setDraft(d: DraftShape | null): void {
    if (this.destroyed) return;
    this.draft.clearLayers();
    if (!d || d.positions.length === 0) return;
    const color = COLORS.draft;
    if (d.kind === 'point') {
      const c = d.positions[0] as Position;
      if (d.radiusM && d.radiusM > 0) {
        L.circle(ll(c), { radius: d.radiusM, color, weight: 2, dashArray: '6 4', fillOpacity: 0.1 }).addTo(this.draft);
      }
    } else if (d.kind === 'polygon' && d.positions.length >= 3) {
      L.polygon(d.positions.map(ll), { color, weight: 2, dashArray: '6 4', fillOpacity: 0.1 }).addTo(this.draft);
    } else if (d.positions.length >= 2) {
      if (d.corridorM && d.corridorM > 0 && !d.zoneLine) {
        const line = L.polyline(d.positions.map(ll), { color, opacity: 0.18, weight: 1, lineCap: 'round', lineJoin: 'round', interactive: false }).addTo(this.draft);
        const lat = d.positions.reduce((s, c) => s + (c[1] ?? 0), 0) / d.positions.length;
        this.corridors.push({ line, metres: d.corridorM, lat });
        this.updateCorridors();
      }
      L.polyline(d.positions.map(ll), { color, weight: 3, dashArray: '8 6' }).addTo(this.draft);
    }
    d.positions.forEach((c, i) => {
      const time = d.times?.[i];
      L.marker(ll(c), {
        keyboard: false,
        icon: L.divIcon({ className: 'draft-vertex', html: h('span', null, data(String(i + 1))), iconSize: [20, 20] }),
      })
        .addTo(this.draft)
        .bindTooltip(h('span', null, time ? fmtUtcShort(time) : data(String(i + 1))), {
          permanent: !!time && d.positions.length <= 14,
          direction: 'right',
          offset: [10, 0],
          className: 'vertex-label',
        });
    });
  }

  /** Positions and activity at a time (the time slider); null shows everything as planned. */
  setTime(ms: number | null): void {
    if (this.destroyed) return;
    this.timeMs = ms;
    this.applyTime();
  }

  private applyTime(): void {
    const ms = this.timeMs;
    this.movers.clearLayers();
    for (const f of this.faders) {
      const on = ms === null || activeAt(f.f, ms);
      for (const l of f.layers) {
        const el = (l as unknown as { _path?: SVGElement })._path;
        if (el) el.classList.toggle('inactive', !on);
      }
    }
    for (const c of this.conflictAreas) {
      const el = (c.poly as unknown as { _path?: SVGElement })._path;
      if (!el) continue;
      const inWin = ms !== null && ms >= Date.parse(c.c.window.start) && ms <= Date.parse(c.c.window.end);
      el.classList.toggle('active-window', inWin);
    }
    if (ms === null) return;
    for (const m of this.moverList) {
      const g = m.f.geometry;
      if (g.type !== 'LineString' || !m.f.properties.times) continue;
      const pos = positionAt(g.coordinates, m.f.properties.times, ms);
      if (!pos) continue;
      m.marker.setLatLng(ll(pos));
      m.marker.addTo(this.movers);
    }
  }

  fitPositions(positions: Position[], maxZoom = 13, animate = true): void {
    if (this.destroyed) return;
    if (positions.length === 0) return;
    const b = L.latLngBounds(positions.map(ll));
    this.map.fitBounds(b.pad(0.15), { maxZoom, animate });
  }

  fitEverything(plans: PlanView[], conflicts: Array<ConflictView | DryRunView>): void {
    if (this.destroyed) return;
    const pts: Position[] = [];
    for (const p of plans) {
      if (p.status !== 'active') continue;
      const g = p.feature.geometry;
      if (g.type === 'Point') pts.push(g.coordinates);
      else if (g.type === 'LineString') pts.push(...g.coordinates);
      else pts.push(...g.coordinates.flat());
    }
    for (const c of conflicts) pts.push(...c.area.coordinates.flat());
    this.fitPositions(pts, 13, false);
  }

  focusConflict(c: ConflictView | DryRunView, animate = true): void {
    if (this.destroyed) return;
    this.fitPositions(c.area.coordinates.flat(), 14, animate);
  }
}

/** "RU-PATROL-1 (RU) × US-PATROL-1 (US)" for lists and alerts. */
export function sidesLabel(c: { sides: Array<{ party: string; callsign: string }> }): Text {
  return data(c.sides.map((s) => `${s.callsign || '—'} (${s.party})`).join(' × '));
}

/** "2026-03-14 09:13:25Z – 09:20Z (6 min 39 s)", the times kept left to right in any layout. */
export function windowLabel(c: { window: { start: string; end: string } }): HTMLElement {
  const s = Date.parse(c.window.start);
  const e = Date.parse(c.window.end);
  if (Number.isNaN(s) || Number.isNaN(e)) return bdi(data(`${c.window.start} – ${c.window.end}`), true);
  return h(
    'span',
    { class: 'window' },
    bdi(data(`${fmtUtc(s)} – ${fmtUtcShort(e)}`), true),
    data(' ('),
    fmtDuration((e - s) / 1000),
    data(')'),
  );
}

/** "under 2 km apart, 1 km required" for a party (distances floored to the disclosure cell),
 * "12 m apart, 1 km required" for coordinators and observers (exact). */
export function distanceText(c: ConflictView | DryRunView): Text {
  const r = fmtMeters(c.required_m);
  if (c.disclosure.exact) return t('conflict.distance', { d: fmtMeters(c.min_distance_m), r });
  const under = Math.min(c.min_distance_m + c.disclosure.cell_m, c.required_m);
  return t('conflict.distanceCoarse', { d: fmtMeters(under), r });
}

/** The sides as isolated runs: "RU-PATROL-7 (RU) × US-PATROL-1 (US)". */
export function sidesEl(c: { sides: Array<{ party: string; callsign: string }> }): HTMLElement {
  return h(
    'span',
    { class: 'sides-label' },
    c.sides.map((s, i) => [i ? data(' × ') : null, bdi(data(`${s.callsign || '—'} (${s.party})`))]),
  );
}

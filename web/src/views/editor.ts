// The plan editor: draw on the map or type coordinates, import a GeoJSON / GPX / KML file, set
// times, corridor and tolerance, dry-run the plan against everyone's active plans, then submit
// it (POST) or amend an existing plan (PUT with If-Match). The draft is saved as it is typed and
// survives a failed submit, a language change and a reload.

import { ApiError } from '../api';
import { bdi, h, field, replace, nextId, type Child } from '../dom';
import {
  draftFromCandidate,
  draftFromPlan,
  emptyDraft,
  hasWindow,
  isRoute,
  loadDraft,
  saveDraft,
  shapesFor,
  toFeature,
  type Draft,
  type LocalIssue,
  type Shape,
} from '../draft';
import { candidateLabel, readPlanFile, type Candidate } from '../fileimport';
import { formatCoordinates, parseCoordinates, round6, shiftIso, timesFromSpeed, type CoordError } from '../geo';
import { data, fmtLatLon, fmtUtc, hasKey, t, type Text } from '../i18n';
import { conflictTypeLabel, distanceText, sidesEl, type MapView } from '../map';
import { session } from '../state';
import { refreshPlans, upsertConflict } from '../sync';
import type { ConflictView, DryRunView, Issue, PlanKind, PlanView } from '../types';
import { button, errorBox, issueList, kindText, LocalError, timeBoth, withBusy } from './common';

const KINDS: PlanKind[] = ['movement', 'flight', 'site', 'zone'];

/** datetime-local value (no zone, read as UTC) ↔ RFC 3339. */
function toInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}
function fromInput(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v.length === 16 ? `${v}:00Z` : `${v}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
}

function shapeLabel(s: Shape, d: Draft): Text {
  if (s === 'line') return isRoute({ kind: d.kind, shape: 'line' }) ? t('shape.route') : t('shape.line');
  if (s === 'polygon') return t('shape.polygon');
  return t('shape.point');
}

function coordErrorText(e: CoordError): Text {
  switch (e.kind) {
    case 'format':
      return t('coords.errFormat', { line: e.line });
    case 'lat':
      return t('coords.errLat', { line: e.line, value: String(e.value) });
    case 'lon':
      return t('coords.errLon', { line: e.line, value: String(e.value) });
    case 'time':
      return t('coords.errTime', { line: e.line, value: e.value });
  }
}

export interface EditorOptions {
  map: MapView;
  /** Called after a successful submit or amend, and when the draft is discarded. */
  onDone: () => void;
  onDryRun: (list: DryRunView[]) => void;
}

export class PlanEditor {
  readonly el: HTMLElement;
  private d: Draft;
  private readonly party: string;
  private fields = new Map<string, HTMLElement>();
  private drawing = false;
  private readonly resultHost = h('div', { class: 'editor-result', attrs: { 'aria-live': 'polite' } });
  private readonly importHost = h('div', { class: 'import-result' });
  private geomHost = h('div');
  private timesHost = h('div');
  private propsHost = h('div');
  private coordsText: HTMLTextAreaElement | null = null;

  constructor(private readonly opts: EditorOptions) {
    this.party = session().me.party;
    this.d = loadDraft(this.party) ?? emptyDraft();
    if (!this.d.id) this.d.id = this.suggestId();
    this.el = h('section', { class: 'editor', attrs: { 'aria-labelledby': 'editor-title', 'data-testid': 'editor' } });
    this.render();
    this.preview();
  }

  destroy(): void {
    this.setDrawing(false);
    this.opts.map.setDraft(null);
  }

  hasUnsavedDraft(): boolean {
    return this.d.points.length > 0;
  }

  /** Loads a stored plan for amendment (replacing the current draft after the caller confirmed). */
  amend(p: PlanView): void {
    this.d = draftFromPlan(p);
    this.changed(true);
    this.opts.map.fitPositions(this.d.points.map((x) => [x.lon, x.lat]));
    this.el.querySelector<HTMLElement>('#editor-title')?.focus();
  }

  private suggestId(): string {
    const now = new Date();
    const stamp = `${now.getUTCMonth() + 1}${String(now.getUTCDate()).padStart(2, '0')}-${String(now.getUTCHours()).padStart(2, '0')}${String(now.getUTCMinutes()).padStart(2, '0')}`;
    return `${this.party.toLowerCase()}-${this.d?.kind ?? 'movement'}-${stamp}`;
  }

  /** Saves the draft and refreshes the map; `full` re-renders the whole form. */
  private changed(full = false): void {
    saveDraft(this.party, this.d);
    if (full) this.render();
    this.preview();
  }

  private preview(): void {
    const d = this.d;
    this.opts.map.setDraft({
      kind: d.shape,
      positions: d.points.map((p) => [p.lon, p.lat]),
      radiusM: Number(d.radius_m) || 0,
      corridorM: isRoute(d) ? Number(d.corridor_m) || 0 : 0,
      times: isRoute(d) ? d.points.map((p) => p.time ?? '') : [],
      zoneLine: d.kind === 'zone',
    });
  }

  private register(path: string, el: HTMLElement): void {
    this.fields.set(path, el);
  }

  private setDrawing(on: boolean): void {
    this.drawing = on;
    this.opts.map.setClickHandler(
      on
        ? (lat, lon) => {
            const p = { lat: round6(lat), lon: round6(lon) };
            if (this.d.shape === 'point') this.d.points = [p];
            else this.d.points.push(p);
            this.changed();
            this.renderGeometry();
          }
        : null,
    );
    const btn = this.el.querySelector<HTMLButtonElement>('[data-testid="draw-toggle"]');
    if (btn) {
      btn.setAttribute('aria-pressed', String(on));
      replace(btn, on ? t('editor.drawStop') : t('editor.drawStart'));
    }
  }

  private textInput(path: string, value: string, onInput: (v: string) => void, type = 'text', extra: Record<string, string> = {}): HTMLInputElement {
    const el = h('input', {
      props: { type, value },
      attrs: { name: path, autocomplete: 'off', spellcheck: 'false', ...extra },
      on: {
        input: (ev) => {
          onInput((ev.target as HTMLInputElement).value);
          (ev.target as HTMLElement).removeAttribute('aria-invalid');
          this.changed();
        },
      },
    });
    this.register(path, el);
    return el;
  }

  render(): void {
    this.fields.clear();
    const d = this.d;
    const title =
      d.mode === 'amend'
        ? t('editor.titleAmend', { id: d.id, version: d.baseVersion ?? 0 })
        : t('editor.titleNew');
    this.geomHost = h('div', { class: 'geom-section' });
    this.timesHost = h('div', { class: 'times-section' });
    this.propsHost = h('div', { class: 'props-section' });

    const kindSel = h(
      'select',
      {
        attrs: { name: 'properties.kind', 'data-testid': 'kind' },
        on: {
          change: (ev) => {
            this.d.kind = (ev.target as HTMLSelectElement).value as PlanKind;
            const allowed = shapesFor(this.d.kind);
            if (!allowed.includes(this.d.shape)) this.d.shape = allowed[0] ?? 'line';
            this.changed(true);
          },
        },
      },
      KINDS.map((k) => h('option', { props: { value: k, selected: k === d.kind } }, kindText(k))),
    );
    this.register('properties.kind', kindSel);

    const shapeName = nextId('shape');
    const shapes = h(
      'fieldset',
      { class: 'radios' },
      h('legend', null, t('editor.shape')),
      shapesFor(d.kind).map((s) =>
        h(
          'label',
          { class: 'radio' },
          h('input', {
            props: { type: 'radio', name: shapeName, value: s, checked: s === d.shape },
            attrs: { 'data-testid': `shape-${s}` },
            on: {
              change: () => {
                this.d.shape = s;
                if (s === 'point') this.d.points = this.d.points.slice(0, 1);
                this.changed(true);
              },
            },
          }),
          shapeLabel(s, d),
        ),
      ),
    );

    const fileInput = h('input', {
      props: { type: 'file', accept: '.geojson,.json,.gpx,.kml,application/geo+json,application/json,application/gpx+xml,application/vnd.google-earth.kml+xml' },
      attrs: { 'data-testid': 'file-input' },
      on: {
        change: (ev) => {
          const input = ev.target as HTMLInputElement;
          const f = input.files?.[0];
          if (f) void this.importFile(f);
          input.value = '';
        },
      },
    });
    const drop = h(
      'div',
      {
        class: 'dropzone',
        on: {
          dragover: (ev) => {
            ev.preventDefault();
            (ev.currentTarget as HTMLElement).classList.add('over');
          },
          dragleave: (ev) => (ev.currentTarget as HTMLElement).classList.remove('over'),
          drop: (ev) => {
            ev.preventDefault();
            (ev.currentTarget as HTMLElement).classList.remove('over');
            const f = ev.dataTransfer?.files?.[0];
            if (f) void this.importFile(f);
          },
        },
      },
      field(t('editor.importLabel'), fileInput, t('editor.importHint')),
      this.importHost,
    );

    replace(
      this.el,
      h('h2', { id: 'editor-title', attrs: { tabindex: -1 } }, title),
      d.mode === 'amend' ? h('p', { class: 'hint' }, t('editor.amendHint')) : null,
      drop,
      h(
        'div',
        { class: 'grid2' },
        field(t('field.id'), this.textInput('id', d.id, (v) => (this.d.id = v), 'text', { 'data-testid': 'plan-id', ...(d.mode === 'amend' ? { readonly: 'true' } : {}) }), d.mode === 'amend' ? t('editor.idFixed') : t('editor.idHint')),
        field(t('field.callsign'), this.textInput('properties.callsign', d.callsign, (v) => (this.d.callsign = v), 'text', { 'data-testid': 'callsign' }), t('editor.callsignHint')),
      ),
      h('div', { class: 'grid2' }, field(t('field.kind'), kindSel), shapes),
      this.geomHost,
      this.timesHost,
      this.propsHost,
      field(
        t('field.note'),
        (() => {
          const ta = h('textarea', {
            props: { value: d.note, rows: 2 },
            attrs: { name: 'properties.note' },
            on: {
              input: (ev) => {
                this.d.note = (ev.target as HTMLTextAreaElement).value;
                this.changed();
              },
            },
          });
          this.register('properties.note', ta);
          return ta;
        })(),
        t('editor.noteHint'),
      ),
      h(
        'div',
        { class: 'actions sticky-actions' },
        button(t('editor.check'), (ev) => void this.dryRun(ev.currentTarget as HTMLButtonElement), '', 'check'),
        button(d.mode === 'amend' ? t('editor.submitAmend') : t('editor.submit'), (ev) => void this.submit(ev.currentTarget as HTMLButtonElement), 'primary', 'submit'),
        button(t('editor.discard'), () => this.discard(), 'ghost', 'discard'),
      ),
      this.resultHost,
    );
    this.renderGeometry();
    this.renderTimes();
    this.renderProps();
    this.setDrawing(this.drawing);
  }

  private renderGeometry(): void {
    const d = this.d;
    const route = isRoute(d);
    const withAlt = d.kind === 'flight' && route;
    const coordsErr = h('div', { class: 'coords-errors', attrs: { 'aria-live': 'polite' } });
    const ta = h('textarea', {
      props: { value: formatCoordinates(d.points), rows: Math.min(8, Math.max(3, d.points.length + 1)) },
      attrs: { name: 'geometry.coordinates', spellcheck: 'false', 'data-testid': 'coords', dir: 'ltr' },
      placeholder: t('coords.placeholder'),
      on: {
        keydown: (ev) => {
          if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
            ev.preventDefault();
            apply();
          }
        },
      },
    });
    this.coordsText = ta;
    this.register('geometry', ta);
    this.register('geometry.coordinates', ta);
    const apply = () => {
      const r = parseCoordinates(ta.value);
      if (r.errors.length) {
        ta.setAttribute('aria-invalid', 'true');
        replace(coordsErr, h('ul', { class: 'issues', attrs: { role: 'alert' } }, r.errors.map((e) => h('li', null, coordErrorText(e)))));
        return;
      }
      ta.removeAttribute('aria-invalid');
      const old = this.d.points;
      // Keep times already set when the text gave none and the vertex count did not change.
      this.d.points = r.points.map((p, i) => ({ ...p, ...(p.time ? {} : old[i]?.time && old.length === r.points.length ? { time: old[i]?.time } : {}) }));
      if (this.d.shape === 'point') this.d.points = this.d.points.slice(0, 1);
      this.changed();
      this.renderGeometry();
      this.renderTimes();
      this.opts.map.fitPositions(this.d.points.map((x) => [x.lon, x.lat]));
      this.geomHost.querySelector<HTMLElement>('[data-testid="coords"]')?.focus();
    };

    const rows = d.points.map((p, i) => {
      const lat = h('input', {
        props: { type: 'number', value: String(p.lat), step: 'any', min: '-90', max: '90' },
        attrs: { 'aria-label': t('vertex.latN', { n: i + 1 }), class: 'num' },
        on: {
          change: (ev) => {
            const v = Number((ev.target as HTMLInputElement).value);
            if (Number.isFinite(v) && v >= -90 && v <= 90) {
              p.lat = v;
              this.changed();
              if (this.coordsText) this.coordsText.value = formatCoordinates(this.d.points);
            } else (ev.target as HTMLElement).setAttribute('aria-invalid', 'true');
          },
        },
      });
      const lon = h('input', {
        props: { type: 'number', value: String(p.lon), step: 'any', min: '-180', max: '180' },
        attrs: { 'aria-label': t('vertex.lonN', { n: i + 1 }), class: 'num' },
        on: {
          change: (ev) => {
            const v = Number((ev.target as HTMLInputElement).value);
            if (Number.isFinite(v) && v >= -180 && v <= 180) {
              p.lon = v;
              this.changed();
              if (this.coordsText) this.coordsText.value = formatCoordinates(this.d.points);
            } else (ev.target as HTMLElement).setAttribute('aria-invalid', 'true');
          },
        },
      });
      this.register(`geometry.coordinates[${i}]`, lat);
      this.register(`geometry.coordinates[0][${i}]`, lat);
      const cells: Child[] = [h('th', { attrs: { scope: 'row' } }, data(String(i + 1))), h('td', null, lat), h('td', null, lon)];
      if (withAlt) {
        const alt = h('input', {
          props: { type: 'number', value: p.alt === undefined ? '' : String(p.alt), step: 'any' },
          attrs: { 'aria-label': t('vertex.altN', { n: i + 1 }), class: 'num' },
          on: {
            change: (ev) => {
              const raw = (ev.target as HTMLInputElement).value;
              if (raw === '') delete p.alt;
              else p.alt = Number(raw);
              this.changed();
            },
          },
        });
        cells.push(h('td', null, alt));
      }
      if (route) {
        const tin = h('input', {
          props: { type: 'datetime-local', value: toInput(p.time), step: '1' },
          attrs: { 'aria-label': t('vertex.timeN', { n: i + 1 }), 'data-testid': `time-${i}` },
          on: {
            change: (ev) => {
              const v = fromInput((ev.target as HTMLInputElement).value);
              if (v) p.time = v;
              else delete p.time;
              (ev.target as HTMLElement).removeAttribute('aria-invalid');
              this.changed();
            },
          },
        });
        this.register(`properties.times[${i}]`, tin);
        cells.push(h('td', null, tin));
      }
      cells.push(
        h(
          'td',
          null,
          button(data('✕'), () => {
            this.d.points.splice(i, 1);
            this.changed();
            this.renderGeometry();
          }, 'icon ghost'),
        ),
      );
      const row = h('tr', null, cells);
      const removeBtn = row.querySelector('button');
      removeBtn?.setAttribute('aria-label', t('vertex.remove', { n: i + 1 }));
      return row;
    });

    const table = d.points.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'vertices', attrs: { 'data-testid': 'vertices' } },
            h('caption', { class: 'sr-only' }, t('vertex.caption')),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { attrs: { scope: 'col' } }, data('#')),
                h('th', { attrs: { scope: 'col' } }, t('vertex.lat')),
                h('th', { attrs: { scope: 'col' } }, t('vertex.lon')),
                withAlt ? h('th', { attrs: { scope: 'col' } }, t('vertex.alt')) : null,
                route ? h('th', { attrs: { scope: 'col' } }, t('vertex.time')) : null,
                h('th', { attrs: { scope: 'col' } }, h('span', { class: 'sr-only' }, t('vertex.actions'))),
              ),
            ),
            h('tbody', null, rows),
          ),
        )
      : h('p', { class: 'hint' }, t('vertex.none'));

    replace(
      this.geomHost,
      h('h3', null, t('editor.geometry')),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            class: 'btn',
            props: { type: 'button' },
            attrs: { 'aria-pressed': String(this.drawing), 'data-testid': 'draw-toggle' },
            on: { click: () => this.setDrawing(!this.drawing) },
          },
          this.drawing ? t('editor.drawStop') : t('editor.drawStart'),
        ),
        button(t('editor.undoPoint'), () => {
          this.d.points.pop();
          this.changed();
          this.renderGeometry();
        }, 'ghost'),
        button(t('editor.clearPoints'), () => {
          this.d.points = [];
          this.changed();
          this.renderGeometry();
        }, 'ghost'),
      ),
      h('p', { class: 'hint' }, this.drawing ? t('editor.drawHintOn') : t('editor.drawHint')),
      field(t('coords.label'), ta, isRoute(d) ? t('coords.hintRoute') : t('coords.hint')),
      h('div', { class: 'actions' }, button(t('coords.apply'), apply, '', 'coords-apply')),
      coordsErr,
      table,
      d.points.length ? h('p', { class: 'hint' }, t('vertex.first', { pos: fmtLatLon(d.points[0]?.lat ?? 0, d.points[0]?.lon ?? 0) })) : null,
    );
  }

  private renderTimes(): void {
    const d = this.d;
    if (!isRoute(d)) {
      replace(this.timesHost);
      return;
    }
    const start = h('input', {
      props: { type: 'datetime-local', value: toInput(d.route_start || d.points[0]?.time), step: '1' },
      attrs: { 'data-testid': 'route-start' },
      on: {
        change: (ev) => {
          this.d.route_start = fromInput((ev.target as HTMLInputElement).value) ?? '';
          this.changed();
        },
      },
    });
    const speed = this.textInput('speed', d.speed_kmh, (v) => (this.d.speed_kmh = v), 'number', { min: '1', step: 'any', 'data-testid': 'speed' });
    const shift = h('input', { props: { type: 'number', value: '10', step: 'any' }, attrs: { class: 'num' } });
    const timesErr = h('div');
    const corridor = this.textInput('properties.corridor_m', d.corridor_m, (v) => (this.d.corridor_m = v), 'number', { min: '0', max: '100000', step: 'any', 'data-testid': 'corridor' });
    const tol = this.textInput('properties.time_tolerance_s', d.time_tolerance_s, (v) => (this.d.time_tolerance_s = v), 'number', { min: '0', max: '86400', step: '1', 'data-testid': 'tolerance' });
    replace(
      this.timesHost,
      h('h3', null, t('editor.times')),
      h(
        'div',
        { class: 'grid2' },
        field(t('field.routeStart'), start, t('editor.utcInput')),
        field(t('field.speed'), speed),
      ),
      h(
        'div',
        { class: 'actions' },
        button(t('editor.computeTimes'), () => {
          replace(timesErr);
          const st = this.d.route_start ? Date.parse(this.d.route_start) : NaN;
          const sp = Number(this.d.speed_kmh);
          if (Number.isNaN(st)) {
            replace(timesErr, errorBox(new LocalError(t('editor.needStart'))));
            return;
          }
          if (!(sp > 0)) {
            replace(timesErr, errorBox(new LocalError(t('editor.needSpeed'))));
            return;
          }
          if (this.d.points.length < 2) {
            replace(timesErr, errorBox(new LocalError(t('draft.needTwo'))));
            return;
          }
          const times = timesFromSpeed(this.d.points.map((p) => [p.lon, p.lat]), st, sp);
          this.d.points.forEach((p, i) => {
            const tm = times[i];
            if (tm) p.time = tm;
          });
          this.changed();
          this.renderGeometry();
        }, '', 'compute-times'),
      ),
      h(
        'div',
        { class: 'inline-form' },
        field(t('editor.shiftBy'), shift),
        button(t('editor.shiftApply'), () => {
          const min = Number(shift.value);
          if (!Number.isFinite(min) || min === 0) return;
          this.d.points.forEach((p) => {
            if (p.time) p.time = shiftIso(p.time, min * 60);
          });
          if (this.d.route_start) this.d.route_start = shiftIso(this.d.route_start, min * 60);
          this.changed(true);
        }),
      ),
      timesErr,
      h(
        'div',
        { class: 'grid2' },
        field(t('field.corridor'), corridor, t('editor.corridorHint')),
        field(t('field.tolerance'), tol, t('editor.toleranceHint')),
      ),
    );
  }

  private renderProps(): void {
    const d = this.d;
    const parts: Child[] = [];
    if (d.shape === 'point') {
      parts.push(field(t('field.radius'), this.textInput('properties.radius_m', d.radius_m, (v) => (this.d.radius_m = v), 'number', { min: '0', step: 'any', 'data-testid': 'radius' })));
    }
    if (d.kind === 'flight' && !isRoute(d)) {
      parts.push(
        h(
          'div',
          { class: 'grid2' },
          field(t('field.altLower'), this.textInput('properties.altitude_lower_m', d.altitude_lower_m, (v) => (this.d.altitude_lower_m = v), 'number', { step: 'any' })),
          field(t('field.altUpper'), this.textInput('properties.altitude_upper_m', d.altitude_upper_m, (v) => (this.d.altitude_upper_m = v), 'number', { step: 'any' })),
        ),
      );
    }
    if (hasWindow(d)) {
      const mk = (key: 'start' | 'end') => {
        const inp = h('input', {
          props: { type: 'datetime-local', value: toInput(d[key]), step: '1' },
          attrs: { name: `properties.${key}` },
          on: {
            change: (ev) => {
              this.d[key] = fromInput((ev.target as HTMLInputElement).value) ?? '';
              this.changed();
            },
          },
        });
        this.register(`properties.${key}`, inp);
        return inp;
      };
      parts.push(
        h(
          'div',
          { class: 'grid2' },
          field(t('field.start'), mk('start'), d.kind === 'flight' ? t('editor.utcRequired') : t('editor.utcOptional')),
          field(t('field.end'), mk('end'), d.kind === 'flight' ? t('editor.utcRequired') : t('editor.utcOptional')),
        ),
      );
    }
    if (d.kind === 'zone') {
      parts.push(field(t('field.restricted'), this.textInput('properties.restricted_parties', d.restricted_parties, (v) => (this.d.restricted_parties = v)), t('editor.restrictedHint')));
    }
    replace(this.propsHost, parts.length ? h('h3', null, t('editor.extent')) : null, parts);
  }

  private pathLabel = (path: string): Text | null => {
    let m = /^properties\.times\[(\d+)\]/.exec(path);
    if (m) return t('vertex.timeN', { n: Number(m[1]) + 1 });
    m = /^geometry\.coordinates(?:\[0\])?\[(\d+)\]/.exec(path);
    if (m && this.d.shape !== 'point') return t('vertex.pointN', { n: Number(m[1]) + 1 });
    const labels: Record<string, Text> = {
      id: t('field.id'),
      'properties.callsign': t('field.callsign'),
      'properties.kind': t('field.kind'),
      'properties.note': t('field.note'),
      'properties.corridor_m': t('field.corridor'),
      'properties.time_tolerance_s': t('field.tolerance'),
      'properties.radius_m': t('field.radius'),
      'properties.altitude_lower_m': t('field.altLower'),
      'properties.altitude_upper_m': t('field.altUpper'),
      'properties.start': t('field.start'),
      'properties.end': t('field.end'),
      'properties.restricted_parties': t('field.restricted'),
      'properties.times': t('editor.times'),
      geometry: t('editor.geometry'),
      'geometry.coordinates': t('editor.geometry'),
    };
    return labels[path] ?? null;
  };

  /** Marks the fields named by issue paths and returns the first one. */
  private markInvalid(issues: Issue[]): HTMLElement | null {
    this.el.querySelectorAll('[aria-invalid="true"]').forEach((e) => e.removeAttribute('aria-invalid'));
    let first: HTMLElement | null = null;
    for (const i of issues) {
      let path = i.path;
      let el: HTMLElement | undefined;
      while (path && !(el = this.fields.get(path))) {
        const cut = path.search(/(\.[^.[\]]+|\[\d+\])$/);
        if (cut <= 0) break;
        path = path.slice(0, cut);
      }
      if (el) {
        el.setAttribute('aria-invalid', 'true');
        first ??= el;
      }
    }
    return first;
  }

  private localIssues(issues: LocalIssue[]): HTMLElement {
    const list: Issue[] = issues.map((i) => ({
      path: i.path,
      reason: hasKey(i.code) ? t(i.code, i.params) : i.reason,
    }));
    this.markInvalid(list);
    return h(
      'div',
      { class: 'error-box', attrs: { role: 'alert', tabindex: -1, 'data-testid': 'error' } },
      h('p', { class: 'error-head' }, t('editor.fixFirst')),
      issueList(list, this.pathLabel),
    );
  }

  private showError(e: unknown, context: Text): void {
    const box = errorBox(e, context, this.pathLabel);
    if (e instanceof ApiError) this.markInvalid(e.errors);
    const extra: Child[] = [];
    if (e instanceof ApiError && e.status === 412 && this.d.mode === 'amend') {
      extra.push(
        h(
          'div',
          { class: 'actions' },
          button(t('editor.rebase'), (ev) => void this.rebase(ev.currentTarget as HTMLButtonElement, true), 'primary'),
          button(t('editor.reloadLatest'), (ev) => void this.rebase(ev.currentTarget as HTMLButtonElement, false)),
        ),
      );
    }
    replace(this.resultHost, box, extra, h('p', { class: 'hint' }, t('editor.draftKept')));
    box.focus();
  }

  /** After a 412: keep my edits on top of the latest version, or load the latest version. */
  private async rebase(btn: HTMLButtonElement, keepMine: boolean): Promise<void> {
    await withBusy(btn, this.resultHost, async () => {
      const { plan, version } = await session().api.getPlan(this.d.id);
      if (keepMine) {
        this.d.baseVersion = version;
        this.changed(true);
        replace(this.resultHost, h('p', { class: 'ok-box' }, t('editor.rebased', { version })));
      } else {
        this.d = draftFromPlan(plan);
        this.changed(true);
      }
    });
  }

  private async importFile(f: File): Promise<void> {
    replace(this.importHost, h('p', { class: 'hint' }, t('import.reading', { name: f.name })));
    let list: Candidate[];
    try {
      list = await readPlanFile(f);
    } catch (e) {
      const box = errorBox(e, t('import.failed'));
      replace(this.importHost, box);
      box.focus();
      return;
    }
    if (list.length === 1) {
      this.loadCandidate(list[0] as Candidate, f.name);
      return;
    }
    const sel = h('select', { attrs: { 'data-testid': 'import-choice' } }, list.map((c, i) => h('option', { props: { value: String(i) } }, candidateLabel(c))));
    replace(
      this.importHost,
      h(
        'div',
        { class: 'choose' },
        field(t('import.choose', { name: f.name, n: list.length }), sel),
        button(t('import.load'), () => {
          const c = list[Number(sel.value)];
          if (c) this.loadCandidate(c, f.name);
        }, 'primary', 'import-load'),
      ),
    );
    sel.focus();
  }

  private loadCandidate(c: Candidate, name: string): void {
    this.d = draftFromCandidate(c, this.d);
    this.changed(true);
    const msg = h('p', { class: 'ok-box', attrs: { role: 'status', 'data-testid': 'import-ok' } }, t('import.loaded', { name, n: this.d.points.length }));
    replace(this.importHost, msg);
    this.opts.map.fitPositions(this.d.points.map((x) => [x.lon, x.lat]));
  }

  private build() {
    const { feature, issues } = toFeature(this.d);
    if (issues.length) {
      const box = this.localIssues(issues);
      replace(this.resultHost, box, h('p', { class: 'hint' }, t('editor.draftKept')));
      box.focus();
      return null;
    }
    return feature;
  }

  private async dryRun(btn: HTMLButtonElement): Promise<void> {
    const f = this.build();
    if (!f) return;
    await withBusy(btn, null, async () => {
      try {
        const r = await session().api.check(f);
        this.markInvalid([]);
        this.opts.onDryRun(r.conflicts);
        replace(
          this.resultHost,
          h(
            'div',
            { class: r.conflicts.length ? 'warn-box' : 'ok-box', attrs: { 'data-testid': 'dryrun-result', 'data-count': String(r.conflicts.length) } },
            h('p', null, h('strong', null, r.conflicts.length ? t('check.conflicts', { n: r.conflicts.length }) : t('check.none'))),
            r.conflicts.length ? h('ul', { class: 'dry-list' }, r.conflicts.map((c) => this.dryItem(c))) : null,
            r.warnings?.length ? [h('p', null, t('check.warnings')), issueList(r.warnings, this.pathLabel)] : null,
            h('p', { class: 'hint' }, t('check.hint')),
          ),
        );
      } catch (e) {
        this.showError(e, t('check.failed'));
      }
    });
  }

  private dryItem(c: DryRunView | ConflictView): HTMLElement {
    const other = c.own_side !== undefined ? c.sides[1 - c.own_side] : undefined;
    return h(
      'li',
      null,
      h('strong', null, conflictTypeLabel(c.type)),
      data(' · '),
      other ? [bdi(data(other.callsign || '—')), data(' ('), bdi(data(other.party)), data(', '), kindText(other.kind), data(')')] : sidesEl(c),
      h('div', null, t('conflict.window'), data(': '), timeBoth(c.window.start, true), data(' – '), timeBoth(c.window.end, true)),
      h('div', null, t('conflict.closestAt', { time: fmtUtc(c.closest_approach.time) }), data(' · '), distanceText(c)),
      button(t('conflict.showOnMap'), () => this.opts.map.focusConflict(c), 'ghost small'),
    );
  }

  private async submit(btn: HTMLButtonElement): Promise<void> {
    const f = this.build();
    if (!f) return;
    this.setDrawing(false);
    const api = session().api;
    await withBusy(btn, null, async () => {
      try {
        let opened: ConflictView[] = [];
        let resolved: ConflictView[] = [];
        let warnings: Issue[] = [];
        let version = 0;
        if (this.d.mode === 'amend') {
          const r = await api.amendPlan(this.d.id, f, this.d.baseVersion ?? 0);
          opened = r.conflicts_opened;
          resolved = r.conflicts_resolved;
          warnings = r.warnings;
          version = r.plan.version;
          for (const c of [...r.conflicts_opened, ...r.conflicts_resolved, ...r.conflicts_unchanged]) upsertConflict(c);
        } else {
          const r = await api.submitPlan(f);
          opened = r.conflicts;
          warnings = r.warnings;
          version = r.plan.version;
          for (const c of r.conflicts) upsertConflict(c);
        }
        const id = this.d.id;
        const wasAmend = this.d.mode === 'amend';
        this.d = emptyDraft();
        this.d.id = this.suggestId();
        saveDraft(this.party, null);
        this.opts.onDryRun([]);
        this.render();
        this.preview();
        replace(
          this.resultHost,
          h(
            'div',
            { class: opened.length ? 'warn-box' : 'ok-box', attrs: { role: 'status', 'data-testid': 'submit-result' } },
            h('p', null, h('strong', null, wasAmend ? t('submit.amended', { id, version }) : t('submit.stored', { id, version }))),
            opened.length
              ? [
                  h('p', null, t('submit.opened', { n: opened.length })),
                  h('ul', null, opened.map((c) => h('li', null, h('a', { attrs: { href: `#inbox/${encodeURIComponent(c.id)}` } }, sidesEl(c)), data(' · '), conflictTypeLabel(c.type)))),
                ]
              : h('p', null, t('submit.noConflict')),
            resolved.length ? h('p', null, t('submit.resolved', { n: resolved.length })) : null,
            warnings.length ? [h('p', null, t('check.warnings')), issueList(warnings)] : null,
          ),
        );
        await refreshPlans();
        this.opts.onDone();
      } catch (e) {
        this.showError(e, this.d.mode === 'amend' ? t('submit.amendFailed') : t('submit.failed'));
      }
    });
  }

  private discard(): void {
    this.setDrawing(false);
    this.d = emptyDraft();
    this.d.id = this.suggestId();
    saveDraft(this.party, null);
    this.opts.onDryRun([]);
    this.render();
    this.preview();
    replace(this.resultHost, h('p', { class: 'hint', attrs: { role: 'status' } }, t('editor.discarded')));
    this.opts.onDone();
  }
}

// The time slider under the map: plays the plans forward, showing where each route is scheduled
// to be and which conflict windows are open at that time.

import { h, field, replace } from '../dom';
import { data, t } from '../i18n';
import { timeBoth } from './common';

export interface TimeBarOptions {
  onTime: (ms: number | null) => void;
}

const STEP_MS = 10_000;

export class TimeBar {
  readonly el: HTMLElement;
  private min = Date.now();
  private max = Date.now() + 3600_000;
  private value: number | null = null;
  private playing = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly range: HTMLInputElement;
  private readonly label = h('div', { class: 'timebar-label', attrs: { 'aria-live': 'off', 'data-testid': 'timebar-time' } });
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly enable: HTMLInputElement;

  constructor(private readonly opts: TimeBarOptions) {
    this.range = h('input', {
      props: { type: 'range', min: '0', max: '1000', step: '1', value: '0', disabled: true },
      attrs: { 'data-testid': 'time-slider' },
      on: {
        input: () => {
          this.value = this.fromRange();
          this.emitTime();
        },
      },
    });
    this.playBtn = h(
      'button',
      { class: 'btn', props: { type: 'button', disabled: true }, attrs: { 'aria-pressed': 'false', 'data-testid': 'play' }, on: { click: () => this.toggle() } },
      t('time.play'),
    );
    this.speedSel = h(
      'select',
      null,
      [60, 300, 900].map((x) => h('option', { props: { value: String(x), selected: x === 300 } }, t('time.speed', { x }))),
    );
    this.enable = h('input', {
      props: { type: 'checkbox' },
      attrs: { 'data-testid': 'time-enable' },
      on: { change: () => this.setEnabled(this.enable.checked) },
    });
    this.el = h(
      'div',
      { class: 'timebar', attrs: { role: 'group', 'aria-label': t('time.group') } },
      h('label', { class: 'check' }, this.enable, t('time.enable')),
      this.playBtn,
      h('div', { class: 'timebar-range' }, field(t('time.slider'), this.range)),
      this.label,
      field(t('time.speedLabel'), this.speedSel, undefined, 'compact'),
      h(
        'button',
        { class: 'btn ghost', props: { type: 'button' }, on: { click: () => this.jumpNow() } },
        t('time.now'),
      ),
    );
    this.renderLabel();
  }

  destroy(): void {
    this.stop();
  }

  /** The span the slider covers (plans and conflict windows), with a margin. */
  setSpan(min: number | null, max: number | null): void {
    const now = Date.now();
    this.min = Math.min(min ?? now, now) - 10 * 60_000;
    this.max = Math.max(max ?? now + 3600_000, this.min + 3600_000) + 10 * 60_000;
    if (this.value !== null) this.value = Math.min(this.max, Math.max(this.min, this.value));
    this.syncRange();
  }

  private setEnabled(on: boolean): void {
    this.range.disabled = !on;
    this.playBtn.disabled = !on;
    if (on) {
      if (this.value === null) this.value = Math.min(this.max, Math.max(this.min, Date.now()));
      this.syncRange();
    } else {
      this.stop();
      this.value = null;
    }
    this.emitTime();
  }

  private jumpNow(): void {
    if (!this.enable.checked) {
      this.enable.checked = true;
      this.setEnabled(true);
    }
    this.value = Math.min(this.max, Math.max(this.min, Date.now()));
    this.syncRange();
    this.emitTime();
  }

  private fromRange(): number {
    return this.min + ((this.max - this.min) * Number(this.range.value)) / 1000;
  }

  private syncRange(): void {
    this.range.dataset['min'] = String(this.min);
    this.range.dataset['max'] = String(this.max);
    if (this.value === null) return;
    this.range.value = String(Math.round(((this.value - this.min) / (this.max - this.min)) * 1000));
  }

  private emitTime(): void {
    this.renderLabel();
    this.opts.onTime(this.value);
  }

  private renderLabel(): void {
    if (this.value === null) {
      replace(this.label, h('span', { class: 'muted' }, t('time.all')));
      this.range.setAttribute('aria-valuetext', t('time.all'));
    } else {
      const v = new Date(Math.round(this.value / STEP_MS) * STEP_MS);
      replace(this.label, timeBoth(v.toISOString()));
      this.range.setAttribute('aria-valuetext', data(v.toISOString().replace('.000Z', 'Z')));
    }
  }

  private toggle(): void {
    if (this.playing) this.stop();
    else this.play();
  }

  private play(): void {
    if (this.value === null) return;
    this.playing = true;
    this.playBtn.setAttribute('aria-pressed', 'true');
    replace(this.playBtn, t('time.pause'));
    const tickMs = 200;
    this.timer = setInterval(() => {
      if (this.value === null) return;
      const speed = Number(this.speedSel.value) || 300;
      this.value += speed * tickMs;
      if (this.value >= this.max) {
        this.value = this.max;
        this.stop();
      }
      this.syncRange();
      this.emitTime();
    }, tickMs);
  }

  private stop(): void {
    this.playing = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.playBtn.setAttribute('aria-pressed', 'false');
    replace(this.playBtn, t('time.play'));
  }
}

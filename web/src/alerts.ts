// Alerts for new notices: a tone (WebAudio oscillator, no sound file), a banner that stays until
// dismissed, the page title, and the screen-reader live regions.

import { h, replace, type Child } from './dom';
import { t, type Text } from './i18n';

const MUTE_KEY = 'deconflict.muted';
let ctx: AudioContext | null = null;

export function isMuted(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}

export function setMuted(m: boolean): void {
  try {
    localStorage.setItem(MUTE_KEY, m ? '1' : '0');
  } catch {
    /* ignore */
  }
}

/** Browsers only allow audio after a user gesture: call this from one (the login button). */
export function unlockAudio(): void {
  try {
    if (!ctx) ctx = new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
  } catch {
    ctx = null;
  }
}

/** Three rising beeps (urgent) or one short beep (information). */
export function beep(urgent: boolean): void {
  if (isMuted()) return;
  try {
    if (!ctx) ctx = new AudioContext();
    const c = ctx;
    const notes = urgent ? [660, 880, 1100] : [740];
    notes.forEach((f, i) => {
      const start = c.currentTime + i * 0.22;
      const osc = c.createOscillator();
      const gain = c.createGain();
      osc.type = 'square';
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
      osc.connect(gain).connect(c.destination);
      osc.start(start);
      osc.stop(start + 0.2);
    });
  } catch {
    /* no audio device: the visual alert remains */
  }
}

/** Says something to screen readers: assertive for new notices, polite otherwise. */
export function announce(text: Text, assertive = false): void {
  const el = document.getElementById(assertive ? 'live-assertive' : 'live-polite');
  if (!el) return;
  // Re-setting identical text is not announced again: clear first.
  el.textContent = '';
  setTimeout(() => {
    el.textContent = text;
  }, 50);
}

export interface BannerAlert {
  id: string;
  urgent: boolean;
  body: Child;
  actions?: Child;
}

const banners = new Map<string, BannerAlert>();

export function showBanner(a: BannerAlert): void {
  banners.set(a.id, a);
  renderBanners();
  document.body.classList.remove('flash');
  void document.body.offsetWidth; // restart the CSS animation
  document.body.classList.add('flash');
}

export function dismissBanner(id: string): void {
  banners.delete(id);
  renderBanners();
}

/** Removes the banners about a conflict once they need no action any more. */
export function dismissBannersFor(conflictId: string): void {
  let changed = false;
  for (const id of [...banners.keys()]) {
    if (id === `n-${conflictId}` || id.startsWith(`e-${conflictId}-`)) {
      banners.delete(id);
      changed = true;
    }
  }
  if (changed) renderBanners();
}

export function clearBanners(): void {
  banners.clear();
  renderBanners();
}

export function renderBanners(): void {
  const host = document.getElementById('alerts');
  if (!host) return;
  replace(
    host,
    [...banners.values()].map((a) =>
      h(
        'div',
        { class: `banner ${a.urgent ? 'urgent' : 'info'}`, attrs: { 'data-testid': 'alert-banner' } },
        h('div', { class: 'banner-body' }, a.body),
        h('div', { class: 'banner-actions' }, a.actions, h(
          'button',
          { class: 'btn ghost', on: { click: () => dismissBanner(a.id) } },
          t('alert.dismiss'),
        )),
      ),
    ),
  );
}

/** "(3) Deconflict" while notices wait for acknowledgement. */
export function setTitleCount(n: number): void {
  document.title = n > 0 ? `(${n}) ${t('app.title')}` : t('app.title');
}

// Every user-visible string comes from the catalogs in ./locales (en, fr, ru, ar). `t()` returns a
// branded `Text`; the DOM helpers (dom.ts) only accept `Text` for visible content, so a literal
// string cannot reach the screen without going through a catalog (data such as callsigns goes
// through `data()`, which marks it as coming from the server or the user).

import en from './locales/en.json';
import fr from './locales/fr.json';
import ru from './locales/ru.json';
import ar from './locales/ar.json';

export type MsgKey = keyof typeof en;
export type Lang = 'en' | 'fr' | 'ru' | 'ar';
export const LANGS: readonly Lang[] = ['en', 'fr', 'ru', 'ar'];

declare const textBrand: unique symbol;
/** A string that is safe to show: translated, or explicitly marked as data. */
export type Text = string & { readonly [textBrand]: true };

const catalogs: Record<Lang, Record<MsgKey, string>> = { en, fr, ru, ar };

const STORAGE_KEY = 'deconflict.lang';

/** Locale tags for Intl: 24-hour clocks everywhere, Latin digits for Arabic so that times and
 * coordinates read the same at every desk. */
const INTL_LOCALE: Record<Lang, string> = {
  en: 'en-GB',
  fr: 'fr-FR',
  ru: 'ru-RU',
  ar: 'ar-u-nu-latn',
};

let current: Lang = detect();
const listeners = new Set<() => void>();

function isLang(s: string | null | undefined): s is Lang {
  return !!s && (LANGS as readonly string[]).includes(s);
}

function detect(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    /* storage unavailable */
  }
  const nav = typeof navigator !== 'undefined' ? navigator.language.slice(0, 2).toLowerCase() : 'en';
  return isLang(nav) ? nav : 'en';
}

export function lang(): Lang {
  return current;
}

export function dir(l: Lang = current): 'rtl' | 'ltr' {
  return l === 'ar' ? 'rtl' : 'ltr';
}

export function intlLocale(l: Lang = current): string {
  return INTL_LOCALE[l];
}

export function setLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* storage unavailable: the choice lasts for this page only */
  }
  applyToDocument();
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function applyToDocument(): void {
  document.documentElement.lang = current;
  document.documentElement.dir = dir();
  document.title = t('app.title');
}

export type Params = Record<string, string | number>;

/** Translates `key`, replacing `{name}` with params (numbers are formatted for the language). */
export function t(key: MsgKey, params?: Params, l: Lang = current): Text {
  const template = catalogs[l][key] ?? catalogs.en[key] ?? key;
  if (!params) return template as Text;
  return template.replace(/\{(\w+)\}/g, (m: string, name: string) => {
    const v = params[name];
    if (v === undefined) return m;
    return typeof v === 'number' ? fmtNumber(v, l) : v;
  }) as Text;
}

/** Marks server or user data (callsigns, ids, party names, free text) as displayable as is. */
export function data(v: string | number): Text {
  return String(v) as Text;
}

export function hasKey(k: string): k is MsgKey {
  return Object.prototype.hasOwnProperty.call(en, k);
}

export function fmtNumber(n: number, l: Lang = current, maxFrac = 1): string {
  return new Intl.NumberFormat(INTL_LOCALE[l], { maximumFractionDigits: maxFrac }).format(n);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Left-to-right isolate (LRI…PDI): keeps a time in reading order inside right-to-left text. */
function ltr(s: string): Text {
  return `\u2066${s}\u2069` as Text;
}

/** 2026-11-22 08:24:00Z: the same in every language, so it can be read out and compared. */
export function fmtUtc(iso: string | number | Date, withSeconds = true): Text {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return data(String(iso));
  const s =
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` +
    (withSeconds ? `:${pad(d.getUTCSeconds())}` : '') +
    'Z';
  return ltr(s);
}

/** 08:24Z */
export function fmtUtcShort(iso: string | number | Date): Text {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return data(String(iso));
  return ltr(`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`);
}

/** The local time of the browser, in the user's language, with the zone. */
export function fmtLocal(iso: string | number | Date, withDate = true): Text {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return data(String(iso));
  const opts: Intl.DateTimeFormatOptions = {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  };
  if (withDate) {
    opts.day = 'numeric';
    opts.month = 'short';
  }
  return new Intl.DateTimeFormat(INTL_LOCALE[current], opts).format(d) as Text;
}

/** "1 h 05 min 20 s", "-10 min" — units translated. */
export function fmtDuration(totalSeconds: number): Text {
  const sign = totalSeconds < 0 ? '−' : '';
  let s = Math.round(Math.abs(totalSeconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (h) parts.push(t('unit.h', { n: String(h) }));
  if (m) parts.push(t('unit.min', { n: h ? pad(m) : String(m) }));
  if (s || parts.length === 0) parts.push(t('unit.s', { n: parts.length ? pad(s) : String(s) }));
  return (sign + parts.join(' ')) as Text;
}

/** A countdown clock: 9:41, 1:09:41. */
export function fmtClock(totalSeconds: number): Text {
  let s = Math.max(0, Math.floor(Math.abs(totalSeconds)));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return (h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`) as Text;
}

export function fmtMeters(m: number): Text {
  if (Math.abs(m) >= 10_000) return t('unit.km', { n: fmtNumber(m / 1000, current, 1) });
  if (Math.abs(m) >= 1000) return t('unit.km', { n: fmtNumber(m / 1000, current, 2) });
  return t('unit.m', { n: fmtNumber(m, current, 1) });
}

/** 37.04000 N, 41.63000 E — hemisphere words translated; each half isolated (FSI…PDI) so that
 * it reads in the order of its own language in a right-to-left page. */
export function fmtLatLon(lat: number, lon: number): Text {
  const la = `${Math.abs(lat).toFixed(5)}\u00a0${lat >= 0 ? t('geo.N') : t('geo.S')}`;
  const lo = `${Math.abs(lon).toFixed(5)}\u00a0${lon >= 0 ? t('geo.E') : t('geo.W')}`;
  return `\u2068${la}\u2069${t('geo.sep')}\u2068${lo}\u2069` as Text;
}

// A tiny DOM builder. Visible text must be `Text` (from t() or data()), never a bare string, and
// nothing is ever written through innerHTML, so server data cannot inject markup.

import type { Text } from './i18n';

export type Child = Node | Text | null | undefined | false | Child[];

type Handler<E extends Event = Event> = (ev: E) => void;

export interface Attrs {
  id?: string;
  class?: string | false | null;
  /** Visible or spoken text attributes take Text only. */
  title?: Text;
  'aria-label'?: Text;
  placeholder?: Text;
  alt?: Text;
  'aria-description'?: Text;
  /** Other attributes: never user-visible prose. */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  dataset?: Record<string, string>;
  style?: Partial<CSSStyleDeclaration>;
  on?: {
    click?: Handler<MouseEvent>;
    input?: Handler;
    change?: Handler;
    submit?: Handler<SubmitEvent>;
    keydown?: Handler<KeyboardEvent>;
    focus?: Handler<FocusEvent>;
    blur?: Handler<FocusEvent>;
    dragover?: Handler<DragEvent>;
    dragleave?: Handler<DragEvent>;
    drop?: Handler<DragEvent>;
    toggle?: Handler;
  };
  /** Properties set directly (value, checked, disabled, type, ...). */
  props?: Record<string, unknown>;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, ...c);
    else if (typeof c === 'string') parent.appendChild(document.createTextNode(c));
    else parent.appendChild(c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  a: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (a) {
    if (a.id) el.id = a.id;
    if (a.class) el.className = a.class;
    if (a.title !== undefined) el.title = a.title;
    if (a['aria-label'] !== undefined) el.setAttribute('aria-label', a['aria-label']);
    if (a['aria-description'] !== undefined) el.setAttribute('aria-description', a['aria-description']);
    if (a.placeholder !== undefined) el.setAttribute('placeholder', a.placeholder);
    if (a.alt !== undefined) el.setAttribute('alt', a.alt);
    if (a.attrs) {
      for (const [k, v] of Object.entries(a.attrs)) {
        if (v === null || v === undefined || v === false) continue;
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    if (a.dataset) Object.assign(el.dataset, a.dataset);
    if (a.style) Object.assign(el.style, a.style);
    if (a.props) Object.assign(el, a.props);
    if (a.on) {
      for (const [ev, fn] of Object.entries(a.on)) {
        if (fn) el.addEventListener(ev, fn as EventListener);
      }
    }
  }
  append(el, ...children);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replace(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, ...children);
}

/** Sets an element's text. */
export function setText(el: Element, text: Text): void {
  el.textContent = text;
}

/** Data inside translated text is isolated so that right-to-left layout cannot reorder it. */
export function bdi(text: Text, ltr = false): HTMLElement {
  return h('bdi', ltr ? { attrs: { dir: 'ltr' } } : null, text);
}

/** Re-renders a container and puts keyboard focus back on the same control (by data-testid). */
export function keepFocus(container: Element, render: () => void): void {
  const active = document.activeElement;
  const id = active instanceof HTMLElement && container.contains(active) ? active.dataset['testid'] : undefined;
  const seq = active instanceof HTMLElement ? active.closest<HTMLElement>('[data-seq]')?.dataset['seq'] : undefined;
  render();
  if (!id) return;
  const scope = seq ? container.querySelector(`[data-seq="${seq}"]`) ?? container : container;
  const again = scope.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  again?.focus();
}

let uid = 0;
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: <div class=field><label for>…</label> control hint?</div>. */
export function field(label: Text, control: HTMLElement, hint?: Child, extraClass = ''): HTMLDivElement {
  if (!control.id) control.id = nextId('f');
  const hintEl = hint ? h('div', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: `field ${extraClass}`.trim() }, h('label', { attrs: { for: control.id } }, label), control, hintEl);
}

/** Saves a text as a file through a blob: link (no server round trip, no navigation). */
export function download(name: string, text: string, type = 'application/json'): void {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

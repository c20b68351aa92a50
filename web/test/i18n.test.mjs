// Catalog completeness, and no user-visible text that bypasses t().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const LANGS = ['en', 'fr', 'ru', 'ar'];
const catalogs = Object.fromEntries(
  LANGS.map((l) => [l, JSON.parse(readFileSync(join(root, 'src/locales', `${l}.json`), 'utf8'))]),
);
const en = catalogs.en;

function sources(dir = join(root, 'src')) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push({ path: p.slice(root.length), text: readFileSync(p, 'utf8') });
  }
  return out;
}
const src = sources();
/** Source without comments, so that prose in comments does not count. */
const code = src.map((f) => ({
  ...f,
  code: f.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1'),
}));

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every key exists in en, fr, ru and ar, and none is empty', () => {
  for (const l of LANGS) {
    const c = catalogs[l];
    const missing = Object.keys(en).filter((k) => !(k in c));
    const extra = Object.keys(c).filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${l}: missing keys`);
    assert.deepEqual(extra, [], `${l}: keys not in en`);
    for (const [k, v] of Object.entries(c)) {
      assert.equal(typeof v, 'string', `${l}.${k} is not a string`);
      assert.ok(v.trim().length > 0, `${l}.${k} is empty`);
    }
  }
});

test('translations keep the same {placeholders}', () => {
  for (const l of LANGS) {
    for (const k of Object.keys(en)) {
      assert.deepEqual(placeholders(catalogs[l][k]), placeholders(en[k]), `${l}.${k}`);
    }
  }
});

test('translations are translated (not copies of English) where words are involved', () => {
  // Text that is the same in every language by nature: names, units, symbols.
  const same = /^(app\.title|lang\.|common\.none|time\.speed|coords\.placeholder|unit\.|geo\.[NSE]$|auditSum\.(opened|resolvedNoBy)$|geo\.sep$|editor\.utcInput$)/;
  // Words that French spells like English.
  const sameInFrench = new Set([
    'time.pause', 'map.sideLabel', 'plan.version', 'field.note', 'vertex.lat', 'vertex.lon', 'vertex.alt',
    'vertex.actions', 'vertex.pointN', 'overview.parties', 'conflict.separation', 'ctype.separation',
    'kind.site', 'kind.zone', 'audit.message.posted', 'thread.write', 'editor.utcInput', 'audit.escalation',
    'auditSum.plan',
  ]);
  for (const l of ['fr', 'ru', 'ar']) {
    const copies = Object.keys(en).filter(
      (k) => !same.test(k) && !(l === 'fr' && sameInFrench.has(k)) && catalogs[l][k] === en[k] && /[a-z]{3}/i.test(en[k]),
    );
    assert.deepEqual(copies, [], `${l}: untranslated`);
  }
});

test('Arabic and Russian catalogs are in their scripts', () => {
  const arabic = /[\u0600-\u06FF]/;
  const cyrillic = /[\u0400-\u04FF]/;
  const notWords = /^(app\.title|lang\.|common\.none|time\.speed|coords\.placeholder|auditSum\.(opened|resolvedNoBy)$|geo\.sep$|editor\.utcInput$|record\.seq$)/;
  for (const [k, v] of Object.entries(catalogs.ar)) if (!notWords.test(k)) assert.match(v, arabic, `ar.${k}`);
  for (const [k, v] of Object.entries(catalogs.ru)) if (!notWords.test(k)) assert.match(v, cyrillic, `ru.${k}`);
});

test('every key used in the source exists, and every key is used', () => {
  const used = new Set();
  for (const f of code) {
    for (const m of f.code.matchAll(/\bt\(\s*'([^']+)'/g)) used.add(m[1]);
    for (const m of f.code.matchAll(/'([a-z][A-Za-z]*\.[A-Za-z0-9_.]+)'/g)) if (m[1] in en) used.add(m[1]);
  }
  // t(`lang.${l}`) for each language
  if (code.some((f) => f.code.includes('t(`lang.${l}`)'))) for (const l of LANGS) used.add(`lang.${l}`);
  const calls = new Set();
  for (const f of code) for (const m of f.code.matchAll(/\bt\(\s*'([^']+)'/g)) calls.add(`${f.path}: ${m[1]}`);
  const unknown = [...calls].filter((c) => !(c.split(': ')[1] in en));
  assert.deepEqual(unknown, [], 'keys used but missing from the catalogs');
  const unused = Object.keys(en).filter((k) => !used.has(k));
  assert.deepEqual(unused, [], 'keys in the catalogs that nothing uses');
});

test('no user-visible literal text bypasses t()', () => {
  // The DOM helpers only accept the branded Text type for content and for title, aria-label,
  // placeholder and alt (checked by tsc). This catches the ways around them.
  const letters = String.raw`(?:[^'"\`]*[A-Za-z\u00C0-\u024F\u0400-\u04FF\u0600-\u06FF]{2})`;
  const rules = [
    [/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML/, 'innerHTML/outerHTML/insertAdjacentHTML'],
    [new RegExp(String.raw`\.(textContent|innerText|title|placeholder)\s*=\s*['"\`]` + letters), 'literal assigned to visible property'],
    [new RegExp(String.raw`setAttribute\(\s*'(aria-label|aria-description|title|placeholder|alt)'\s*,\s*['"\`]` + letters), 'literal visible attribute'],
    [new RegExp(String.raw`(^|[\s{,])('?aria-label'?|title|placeholder|alt)\s*:\s*['"\`]` + letters), 'literal visible attribute in h()'],
    [new RegExp(String.raw`\b(bindTooltip|bindPopup|setContent|addAttribution)\(\s*['"\`]` + letters), 'literal map label'],
    [/\b(window\.)?(alert|confirm|prompt)\s*\(/, 'native alert/confirm/prompt (untranslatable buttons)'],
    [new RegExp(String.raw`createTextNode\(\s*['"\`]` + letters), 'literal text node'],
    [new RegExp(String.raw`document\.title\s*=\s*['"\`]` + letters), 'literal page title'],
    [new RegExp(String.raw`\bdata\(\s*['"\`]` + letters), 'literal passed off as data()'],
  ];
  const hits = [];
  for (const f of code) {
    const raw = f.text.split('\n');
    f.code.split('\n').forEach((line, i) => {
      if (/i18n-ok:/.test(`${raw[i - 1] ?? ''} ${raw[i] ?? ''}`)) return; // an explicit, explained exception (e.g. a command line)
      const bare = line.replace(/\$\{[^}]*\}/g, ''); // interpolated data is not literal text
      for (const [re, why] of rules) if (re.test(bare)) hits.push(`${f.path}:${i + 1}: ${why}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});

test('the DOM helpers type visible text as Text, not string', () => {
  const dom = readFileSync(join(root, 'src/dom.ts'), 'utf8');
  assert.match(dom, /export type Child = Node \| Text \| null \| undefined \| false \| Child\[\];/);
  for (const a of ['title', "'aria-label'", 'placeholder', 'alt']) {
    assert.match(dom, new RegExp(`${a.replace(/[-']/g, (c) => (c === '-' ? '-' : "'"))}\\?: Text;`), `${a} must be Text`);
  }
});

test('index.html shows no text of its own', () => {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const body = html.slice(html.indexOf('<body>'), html.indexOf('</body>'));
  const text = body.replace(/<[^>]+>/g, '').trim();
  assert.equal(text, '');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script (CSP)');
  assert.match(html, /src="\/ui\/app\.js"/);
  assert.match(html, /href="\/ui\/app\.css"/);
});

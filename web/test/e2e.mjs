// End-to-end test of the console against a real deconflictd, driven through Debian's Chromium.
//
//   DECONFLICTD=/abs/deconflictd DECONFLICT_CLI=/abs/deconflict WEB_DIST=/abs/web/dist \
//   [SCREENSHOT_DIR=/abs/dir] [CHROMIUM=/usr/bin/chromium] node test/e2e.mjs
//
// Starts deconflictd on loopback (port 0, --port-file) with a fresh data directory and parties
// made with the admin CLI, then with browser contexts for US, RU and the coordinator JCC:
// US submits a plan through the UI; RU logs in by keyboard, gets a clear error for a bad file,
// uploads its crossing patrol (GeoJSON), gets the server's 422 for a bad tolerance without
// losing the draft, and submits; both see the notice live; both acknowledge (RU by keyboard
// only); US proposes the engine's suggested delay twice, RU rejects one and accepts the other, US applies it; both UIs show the
// conflict resolved. Also: the coordinator overview, the record and a receipt download, the
// Arabic right-to-left layout, and need-to-know: US's map and thread show RU only as an area of
// grid cells with whole-minute times and US's own point (docs/security.md §2), the coordinator
// gets the exact view, and no response the US page receives (JSON or the event stream) contains
// RU's route beyond what the conflict discloses.
// Prints one line per check and "N passed, M failed"; exits non-zero on any failure; always
// stops the server.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, isAbsolute } from 'node:path';
import { chromium } from 'playwright-core';

const started = Date.now();
const env = (k, def) => {
  const v = process.env[k] ?? def;
  if (!v) {
    console.error(`e2e: set ${k}`);
    process.exit(2);
  }
  return v;
};
const DECONFLICTD = env('DECONFLICTD');
const CLI = env('DECONFLICT_CLI');
const WEB_DIST = env('WEB_DIST');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const SHOTS = process.env.SCREENSHOT_DIR || '';
for (const [k, p] of [['DECONFLICTD', DECONFLICTD], ['DECONFLICT_CLI', CLI], ['WEB_DIST', WEB_DIST], ['CHROMIUM', CHROMIUM]]) {
  if (!isAbsolute(p) || !existsSync(p)) {
    console.error(`e2e: ${k}=${p} must be an absolute path that exists`);
    process.exit(2);
  }
}
if (!existsSync(join(WEB_DIST, 'index.html')) || !existsSync(join(WEB_DIST, 'app.js'))) {
  console.error(`e2e: ${WEB_DIST} holds no built console (run npm run build)`);
  process.exit(2);
}
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

const TOTAL_BUDGET_MS = 110_000;
const work = mkdtempSync(join(tmpdir(), 'deconflict-e2e-'));
const data = join(work, 'data');
let server = null;
let browser = null;
const results = [];
const problems = []; // page errors and CSP violations, reported as a failed check

function stopServer() {
  if (server && server.exitCode === null) {
    try {
      server.kill('SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', () => {
  stopServer();
  if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const watchdog = setTimeout(() => {
  console.error(`e2e: over the ${TOTAL_BUDGET_MS / 1000} s budget, giving up`);
  finish(true);
}, TOTAL_BUDGET_MS);

// ---------------------------------------------------------------------------------------------
// Scenario data. Times start an hour from now so that nothing expires during the test.

const T0 = Math.ceil((Date.now() + 3600_000) / 60_000) * 60_000;
const at = (s) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
// RU's distinctive first vertex: far (> 15 km) from the crossing at 41.63 E 37.04 N.
const RU_SECRET = { lon: 41.4137, lat: 37.0871 };
const RU_PLAN_ID = 'ru-crossing-7';
const RU_NOTE = 'RU-ONLY-NOTE-7f3a: never shown to the US';
const ruFeature = (tolerance) => ({
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      id: RU_PLAN_ID,
      properties: {
        kind: 'movement',
        callsign: 'RU-PATROL-7',
        note: RU_NOTE,
        corridor_m: 50,
        time_tolerance_s: tolerance,
        times: [at(600), at(2520), at(3240), at(4200)],
      },
      geometry: {
        type: 'LineString',
        coordinates: [[RU_SECRET.lon, RU_SECRET.lat], [41.63, RU_SECRET.lat], [41.63, 37.01], [41.5, 37.01]],
      },
    },
  ],
});
const US_POINTS = [
  `36.88, 41.6, ${at(0)}`,
  `37.04, 41.6, ${at(2400)}`,
  `37.04, 41.72, ${at(3840)}`,
].join('\n');

// ---------------------------------------------------------------------------------------------

function log(line) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${s}s] ${line}`);
}

let aborted = false;
async function check(name, fn) {
  if (aborted) {
    results.push({ name, ok: false, error: 'not run (an earlier step failed)' });
    log(`SKIP ${name}`);
    return;
  }
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e?.stack ?? String(e) });
    log(`FAIL ${name}: ${String(e?.message ?? e).split('\n')[0]}`);
  }
}
/** A step the rest of the scenario depends on: on failure, the rest is skipped. */
async function step(name, fn) {
  await check(name, fn);
  if (!results[results.length - 1].ok) aborted = true;
}
/**
 * Runs in the page: every element under the selectors with text of its own whose WCAG contrast
 * against its effective background is under 4.5:1, as "selector: text (ratio)".
 */
function lowContrast(selectors) {
  const rgb = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = '1'] = m[1].split(/[ ,/]+/).filter(Boolean);
    return { r: +r, g: +g, b: +b, a: +a };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const out = [];
  for (const sel of selectors) {
    for (const root of document.querySelectorAll(sel)) {
      for (const el of [root, ...root.querySelectorAll('*')]) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own || el.getClientRects().length === 0) continue;
        const st = getComputedStyle(el);
        if (st.visibility === 'hidden' || Number(st.opacity) === 0) continue;
        const fg = rgb(st.color);
        const bg = background(el);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        if (ratio < 4.5) out.push(`${sel}: "${el.textContent.trim().slice(0, 40)}" ${st.color} on rgb(${bg.r}, ${bg.g}, ${bg.b}) = ${ratio.toFixed(2)}:1`);
      }
    }
  }
  return out;
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function cli(...args) {
  return execFileSync(CLI, ['admin', '--data', data, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function token(name, role) {
  const out = cli('party', 'add', name, ...(role ? ['--role', role] : []));
  const last = out.trim().split('\n').pop().trim();
  assert(/^dcf_[0-9a-f]+$/.test(last), `party add ${name}: no token in ${JSON.stringify(out)}`);
  return last;
}

async function startServer() {
  const portFile = join(work, 'port');
  const logFile = join(work, 'server.log');
  writeFileSync(logFile, '');
  server = spawn(
    DECONFLICTD,
    ['--data', data, '--listen', '127.0.0.1:0', '--port-file', portFile, '--web', WEB_DIST, '--threads', '2', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let logText = '';
  server.stdout.on('data', (d) => (logText += d));
  server.stderr.on('data', (d) => (logText += d));
  server.on('exit', () => writeFileSync(logFile, logText));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`deconflictd exited (${server.exitCode}): ${logText.slice(-2000)}`);
    if (existsSync(portFile) && statSync(portFile).size > 0) {
      const port = Number(readFileSync(portFile, 'utf8').trim());
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (r.ok) return `http://127.0.0.1:${port}`;
      } catch {
        /* not yet */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`deconflictd did not become ready: ${logText.slice(-2000)}`);
}

async function shot(page, name) {
  if (!SHOTS) return;
  await page.waitForTimeout(400); // let map animations settle
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

function watchPage(page, who) {
  page.on('pageerror', (e) => {
    const where = String(e?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' | ');
    problems.push(`${who}: page error: ${e.message}${where ? ` (${where})` : ''}`);
  });
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`${who}: CSP: ${text}`);
    else if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (4\d\d)/.test(text)) {
      problems.push(`${who}: console error: ${text}`);
    }
  });
}

/** Records every /v1 response body of a page, and the event stream through CDP. */
async function recordResponses(ctx, page) {
  const bodies = [];
  const pending = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/v1/')) return;
    const ct = r.headers()['content-type'] ?? '';
    if (ct.includes('text/event-stream')) return; // read through CDP below
    pending.push(
      r.body().then(
        (b) => bodies.push({ url: url.pathname + url.search, text: b.toString('utf8') }),
        (e) => bodies.push({ url: url.pathname, text: '', error: String(e) }),
      ),
    );
  });
  const streams = new Map();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', (ev) => {
    if (!ev.response.url.includes('/v1/events') || !(ev.response.mimeType ?? '').includes('event-stream')) return;
    streams.set(ev.requestId, '');
    cdp.send('Network.streamResourceContent', { requestId: ev.requestId }).then(
      (r) => streams.set(ev.requestId, Buffer.from(r.bufferedData ?? '', 'base64').toString('utf8') + (streams.get(ev.requestId) ?? '')),
      (e) => streams.set(ev.requestId, `!!stream capture failed: ${e.message}`),
    );
  });
  cdp.on('Network.dataReceived', (ev) => {
    if (streams.has(ev.requestId) && ev.data) streams.set(ev.requestId, streams.get(ev.requestId) + Buffer.from(ev.data, 'base64').toString('utf8'));
  });
  return {
    async collect() {
      await Promise.allSettled(pending);
      return { bodies, streams: [...streams.values()] };
    },
  };
}

/** What in these responses would disclose RU's route, plan id or note. */
function routeLeaks(all) {
  const leaks = [];
  for (const { where, text } of all) {
    if (text.includes(RU_PLAN_ID)) leaks.push(`${where}: RU plan id`);
    if (text.includes('RU-ONLY-NOTE')) leaks.push(`${where}: RU note`);
    const docs = [];
    const trimmed = text.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        docs.push(JSON.parse(trimmed));
      } catch {
        /* not a document */
      }
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      try {
        docs.push(JSON.parse(line.slice(5)));
      } catch {
        leaks.push(`${where}: unparsable event data`);
      }
    }
    for (const d of docs) {
      for (const n of numbers(d)) {
        if (Math.abs(n - RU_SECRET.lon) < 1e-7 || Math.abs(n - RU_SECRET.lat) < 1e-7) leaks.push(`${where}: RU vertex coordinate ${n}`);
      }
    }
    if (/41\.4137|37\.0871|4\.14137E1|3\.70871E1/i.test(text)) leaks.push(`${where}: RU vertex text`);
  }
  return leaks;
}

/** GET /v1/conflicts/{id} from `page`, with the token it is logged in with. */
async function conflictAs(page, id) {
  return page.evaluate(async (cid) => {
    const token = sessionStorage.getItem('deconflict.token');
    const r = await fetch(`/v1/conflicts/${encodeURIComponent(cid)}`, { headers: { Authorization: `Bearer ${token}` } });
    return r.json();
  }, id);
}

/** Every number in a JSON value (recursively). */
function numbers(v, out = []) {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => numbers(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => numbers(x, out));
  else if (typeof v === 'string' && v.startsWith('{')) {
    try {
      numbers(JSON.parse(v), out); // body_json of audit entries
    } catch {
      /* not JSON */
    }
  }
  return out;
}

async function login(page, base, tok) {
  await page.goto(`${base}/`);
  await page.fill('[data-testid=token]', tok);
  await page.click('[data-testid=login]');
  await page.waitForSelector('[data-testid=who]');
}

/** Presses Tab until the focused element matches `selector` (at most `max` presses). */
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => !!document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`${selector} not reachable with Tab`);
}

async function focusIsVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return false;
    const cs = getComputedStyle(el);
    return cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  });
}

let finished = false;
async function finish(timedOut = false) {
  if (finished) return;
  finished = true;
  clearTimeout(watchdog);
  if (timedOut) results.push({ name: 'finishes within the time budget', ok: false, error: 'timeout' });
  try {
    await browser?.close();
  } catch {
    /* ignore */
  }
  stopServer();
  const failed = results.filter((r) => !r.ok);
  console.log('');
  console.log('Summary of the console end-to-end test:');
  for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}`);
  for (const r of failed) console.log(`\n--- ${r.name}\n${r.error}`);
  if (failed.length && existsSync(join(work, 'server.log'))) {
    console.log(`\n--- server log (tail)\n${readFileSync(join(work, 'server.log'), 'utf8').slice(-3000)}`);
  }
  if (SHOTS) console.log(`\nScreenshots: ${SHOTS}`);
  console.log(`\nTime: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  let base = '';
  const tok = {};
  await step('admin CLI creates the store and the parties', async () => {
    cli('init');
    tok.US = token('US');
    tok.RU = token('RU');
    tok.JCC = token('JCC', 'coordinator');
    tok.OBS = token('OBS', 'observer');
  });
  await step('deconflictd starts on loopback and serves the console', async () => {
    base = await startServer();
    const r = await fetch(`${base}/`);
    assert(r.ok, `GET / answered ${r.status}`);
    const html = await r.text();
    assert(html.includes('/ui/app.js'), 'index.html does not load /ui/app.js');
    const csp = r.headers.get('content-security-policy') ?? '';
    assert(csp.includes("default-src 'self'"), `no CSP on /: ${csp}`);
    for (const f of ['app.js', 'app.css', 'world.json']) {
      const a = await fetch(`${base}/ui/${f}`);
      assert(a.ok, `GET /ui/${f} answered ${a.status}`);
    }
  });
  if (aborted) return;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
  });
  const newPage = async (who, lang, tz) => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 }, timezoneId: tz, locale: 'en-GB', acceptDownloads: true });
    ctx.setDefaultTimeout(15_000);
    await ctx.addInitScript((l) => {
      if (!localStorage.getItem('deconflict.lang')) localStorage.setItem('deconflict.lang', l);
    }, lang);
    const page = await ctx.newPage();
    watchPage(page, who);
    return { ctx, page };
  };
  const us = await newPage('US', 'en', 'Asia/Baghdad');
  const usRec = await recordResponses(us.ctx, us.page);
  const ru = await newPage('RU', 'en', 'Europe/Moscow');
  const ruRec = await recordResponses(ru.ctx, ru.page);
  const jcc = await newPage('JCC', 'en', 'UTC');
  let conflictId = '';

  await step('US logs in', async () => {
    await us.page.goto(`${base}/`);
    await us.page.waitForSelector('[data-testid=token]');
    await shot(us.page, '01-login');
    await us.page.fill('[data-testid=token]', tok.US);
    await us.page.click('[data-testid=login]');
    await us.page.waitForSelector('[data-testid=who]');
    const who = await us.page.textContent('[data-testid=who]');
    assert(who.includes('US'), `who: ${who}`);
    assert(!us.page.url().includes(tok.US), 'token in the URL');
    const stored = await us.page.evaluate(() => sessionStorage.getItem('deconflict.token'));
    assert(stored === tok.US, 'token not in sessionStorage');
    const local = await us.page.evaluate(() => JSON.stringify(localStorage));
    assert(!local.includes(tok.US), 'token in localStorage');
  });

  await step('US draws on the map (click adds points), then enters its route as text', async () => {
    const p = us.page;
    await p.click('[data-testid=nav-map]');
    await p.click('[data-testid=tab-editor]');
    await p.click('[data-testid=draw-toggle]');
    const box = await p.locator('[data-testid=map]').boundingBox();
    await p.mouse.click(box.x + box.width * 0.4, box.y + box.height * 0.4);
    await p.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.5);
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=vertices] tbody tr').length === 2);
    await p.click('[data-testid=draw-toggle]');
    await p.fill('[data-testid=plan-id]', 'us-patrol-1');
    await p.fill('[data-testid=callsign]', 'US-PATROL-1');
    await p.fill('[data-testid=coords]', US_POINTS);
    await p.click('[data-testid=coords-apply]');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=vertices] tbody tr').length === 3);
    await p.fill('[data-testid=corridor]', '100');
    await p.fill('[data-testid=tolerance]', '120');
  });

  await step('US dry-runs (no conflict) and submits its plan', async () => {
    const p = us.page;
    await p.click('[data-testid=check]');
    await p.waitForSelector('[data-testid=dryrun-result]');
    assert((await p.getAttribute('[data-testid=dryrun-result]', 'data-count')) === '0', 'dry run found conflicts');
    await p.click('[data-testid=submit]');
    await p.waitForSelector('[data-testid=submit-result]');
    const text = await p.textContent('[data-testid=submit-result]');
    assert(text.includes('us-patrol-1'), `submit result: ${text}`);
    await p.click('[data-testid=tab-plans]');
    await p.waitForSelector('[data-testid=plan-item][data-plan-id="us-patrol-1"]');
  });

  await check('GPX and KML files load into the editor with their times; the draft can be discarded', async () => {
    const p = us.page;
    await p.click('[data-testid=tab-editor]');
    try {
      await gpxKml(p);
    } finally {
      await p.click('[data-testid=nav-inbox]');
    }
  });
  async function gpxKml(p) {
    const gpx = `<?xml version="1.0"?><gpx version="1.1" creator="e2e" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Convoy 3</name><trkseg>
      <trkpt lat="36.5" lon="41.1"><time>${at(7200)}</time></trkpt><trkpt lat="36.52" lon="41.15"><time>${at(7500)}</time></trkpt><trkpt lat="36.55" lon="41.2"><time>${at(7800)}</time></trkpt>
      </trkseg></trk></gpx>`;
    await p.setInputFiles('[data-testid=file-input]', { name: 'convoy.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from(gpx) });
    await p.waitForSelector('[data-testid=import-ok]');
    assert((await p.locator('[data-testid=vertices] tbody tr').count()) === 3, 'GPX points');
    const t2 = await p.inputValue('[data-testid=time-2]');
    assert(t2.slice(0, 16) === at(7800).slice(0, 16), `GPX times: ${t2}`);
    assert((await p.inputValue('[data-testid=callsign]')) === 'Convoy 3', 'GPX name as callsign');
    const kml = `<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Checkpoint area</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
      41.1,36.5 41.2,36.5 41.2,36.6 41.1,36.6 41.1,36.5</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>`;
    await p.setInputFiles('[data-testid=file-input]', { name: 'area.kml', mimeType: 'application/vnd.google-earth.kml+xml', buffer: Buffer.from(kml) });
    await p.waitForSelector('[data-testid=import-ok]');
    assert((await p.locator('[data-testid=vertices] tbody tr').count()) === 4, 'KML polygon vertices (ring closed by the plan)');
    assert(await p.isChecked('[data-testid=shape-polygon]'), 'KML polygon is an area');
    await p.click('[data-testid=discard]');
    assert((await p.locator('[data-testid=vertices] tbody tr').count()) === 0, 'draft not discarded');
  }

  await step('RU logs in with the keyboard only', async () => {
    const p = ru.page;
    await p.goto(`${base}/`);
    await p.waitForSelector('[data-testid=token]');
    // The token field has focus on load; type and press Enter.
    assert(await p.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'token'), 'token field not focused');
    await p.keyboard.type(tok.RU);
    await p.keyboard.press('Enter');
    await p.waitForSelector('[data-testid=who]');
  });

  await check('RU switches its console to Russian (kept in localStorage)', async () => {
    const p = ru.page;
    await p.selectOption('[data-testid=lang]', 'ru');
    await p.waitForFunction(() => document.documentElement.lang === 'ru');
    const nav = await p.textContent('[data-testid=nav-inbox]');
    assert(nav.includes('Уведомления'), `nav in Russian: ${nav}`);
    assert((await p.evaluate(() => localStorage.getItem('deconflict.lang'))) === 'ru', 'language not persisted');
  });

  await check('a bad file upload shows a clear error naming the file', async () => {
    const p = ru.page;
    await p.click('[data-testid=nav-map]');
    await p.click('[data-testid=tab-editor]');
    await p.setInputFiles('[data-testid=file-input]', { name: 'patrol.geojson', mimeType: 'application/geo+json', buffer: Buffer.from('{"type": "Feature", "geometry": ') });
    const err = p.locator('.import-result [data-testid=error]');
    await err.waitFor();
    const text = await err.textContent();
    assert(text.includes('patrol.geojson') && /JSON/.test(text), `error: ${text}`);
    await p.setInputFiles('[data-testid=file-input]', { name: 'route.kml', mimeType: 'application/vnd.google-earth.kml+xml', buffer: Buffer.from('<kml><Document><Placemark><name>x</name></Placemark>') });
    const text2 = await p.locator('.import-result [data-testid=error]').textContent();
    assert(text2.includes('route.kml') && /XML/.test(text2), `error: ${text2}`);
  });

  await step('RU uploads its patrol (GeoJSON); the server refuses a bad tolerance and the draft is kept', async () => {
    const p = ru.page;
    await p.click('[data-testid=tab-editor]').catch(() => undefined);
    await p.setInputFiles('[data-testid=file-input]', { name: 'ru-crossing-7.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(ruFeature(180))) });
    await p.waitForSelector('[data-testid=import-ok]');
    assert((await p.locator('[data-testid=vertices] tbody tr').count()) === 4, 'imported vertices');
    assert((await p.inputValue('[data-testid=plan-id]')) === RU_PLAN_ID, 'plan id from the file');
    await p.fill('[data-testid=tolerance]', '-5');
    await p.click('[data-testid=submit]');
    const err = p.locator('.editor-result [data-testid=error]');
    await err.waitFor();
    const text = await err.textContent();
    assert(/422|time_tolerance_s|Допуск/.test(text), `error: ${text}`);
    assert((await p.getAttribute('[data-testid=tolerance]', 'aria-invalid')) === 'true', 'tolerance field not marked invalid');
    assert((await p.locator('[data-testid=vertices] tbody tr').count()) === 4, 'draft lost after the failed submit');
    await p.locator('.editor-result').scrollIntoViewIfNeeded();
    await shot(p, '07-editor-error-ru');
  });

  await step('RU corrects and submits: the conflict opens', async () => {
    const p = ru.page;
    await p.fill('[data-testid=tolerance]', '180');
    await p.click('[data-testid=submit]');
    await p.waitForSelector('[data-testid=submit-result]');
    const link = p.locator('[data-testid=submit-result] a').first();
    const href = await link.getAttribute('href');
    conflictId = decodeURIComponent(href.split('/').pop());
    assert(/^c-/.test(conflictId), `conflict id: ${href}`);
  });

  await step('US sees the notice live (no reload): card, banner, countdown', async () => {
    const p = us.page;
    if ((await p.getAttribute('main', 'data-route')) !== 'inbox') await p.click('[data-testid=nav-inbox]');
    await p.waitForSelector(`[data-testid=conflict-card][data-conflict-id="${conflictId}"]`);
    await p.waitForSelector('[data-testid=alert-banner]');
    const cd = await p.textContent(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=countdown]`);
    assert(/\d+:\d\d/.test(cd), `countdown: ${cd}`);
    const live = await p.evaluate(() => document.getElementById('live-assertive')?.textContent ?? '');
    assert(live.includes('RU-PATROL-7'), `aria-live: ${live}`);
    const navs = await p.evaluate(() => performance.getEntriesByType('navigation').length);
    assert(navs === 1, 'the page was reloaded');
  });

  await check('every text on the notice banner, the card and the top bar has a contrast of at least 4.5:1', async () => {
    const low = await us.page.evaluate(lowContrast, ['[data-testid=alert-banner]', '[data-testid=conflict-card]', '.topbar']);
    assert(low.length === 0, low.join('\n'));
  });

  await check('times are shown in UTC and in the browser\'s local time zone', async () => {
    const p = us.page;
    const card = '[data-testid=alert-banner]';  // the notice's deadline
    const texts = await p.$$eval(`${card} .time`, (els) => els.map((e) => e.textContent ?? ''));
    assert(texts.length > 0, 'no times on the banner');
    assert(texts.some((x) => /Z|UTC/.test(x)), `no UTC time: ${texts.join(' | ')}`);
    const local = await p.$$eval(`${card} .time .local`, (els) => els.map((e) => e.textContent ?? ''));
    assert(local.length > 0 && local.every((x) => x.trim().length > 0), `no local time: ${local.join(' | ')}`);
    // US's browser runs in another time zone than UTC: the local time differs from the UTC one.
    const offset = await p.evaluate(() => new Date().getTimezoneOffset());
    assert(offset !== 0, 'the US browser context runs in UTC; the check would prove nothing');
  });

  await check('US map shows its plan and the conflict area with the closest approach', async () => {
    const p = us.page;
    await p.click('[data-testid=nav-map]');
    await p.waitForSelector('.leaflet-overlay-pane path.conflict-area');
    await p.waitForSelector('.ca-marker');
    await p.waitForSelector('.leaflet-overlay-pane path.plan-line');
    // The offline basemap is drawn (the map's canvas, which only the basemap uses, has land on
    // it), not missing.
    await p.waitForFunction(() => document.querySelector('[data-testid=map] canvas') !== null);
    assert((await p.getAttribute('[data-testid=map]', 'data-basemap')) !== 'missing', 'basemap missing');
    const painted = await p.evaluate(() => {
      const c = document.querySelector('[data-testid=map] canvas');
      const ctx = c.getContext('2d');
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4 * 97) if (d[i] > 0) n++;
      return n;
    });
    assert(painted > 100, `the basemap canvas is empty (${painted} painted samples)`);
    await shot(p, '02-map-plans-conflict');
  });

  await check('need-to-know on the map and in the thread: RU as an area of grid cells, whole minutes, US\'s own point only', async () => {
    const p = us.page;
    // The map draws the area as a party's (coarse) area, with US's own point.
    await p.waitForSelector('.leaflet-overlay-pane path.conflict-area.coarse');
    const c = await conflictAs(p, conflictId);
    assert(c.disclosure && c.disclosure.exact === false && c.disclosure.cell_m === 2000 && c.disclosure.time_s === 60, `disclosure: ${JSON.stringify(c.disclosure)}`);
    for (const t of [c.window.start, c.window.end, c.closest_approach.time]) assert(Date.parse(t) % 60_000 === 0, `not a whole minute: ${t}`);
    const ring = c.area.coordinates[0];
    const [w, s] = ring[0];
    const [e, n] = ring[2];
    // WGS84 metres per degree: at least 110,574 along a meridian; along the parallel of latitude n:
    const phi = (n * Math.PI) / 180;
    const perLonDeg = ((Math.PI / 180) * 6_378_137 * Math.cos(phi)) / Math.sqrt(1 - 6.69437999014e-3 * Math.sin(phi) ** 2);
    assert((n - s) * 110_574 >= 1999 && (e - w) * perLonDeg >= 1999, `area under 2 km: ${JSON.stringify(ring)}`);
    assert(c.min_distance_m % 2000 === 0, `min_distance_m: ${c.min_distance_m}`);
    const ru = c.sides[1 - c.own_side];
    assert(Object.keys(ru).sort().join() === 'accepted_at,acknowledged_at,callsign,escalation_level,kind,party', `RU's side: ${JSON.stringify(ru)}`);
    // US's point is on US's own east leg (37.04 N, 41.6-41.72 E).
    const [lon, lat] = c.closest_approach.point.coordinates;
    assert(Math.abs(lat - 37.04) < 5e-4 && lon >= 41.6 && lon <= 41.72, `own point: ${lon}, ${lat}`);
    // The thread says what the area means.
    await p.click('[data-testid=nav-inbox]');
    await p.click(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=open-thread]`);
    await p.waitForSelector('[data-testid=disclosure-note]');
    await p.click('[data-testid=nav-map]');
    await p.waitForSelector('.leaflet-overlay-pane path.conflict-area.coarse');
  });

  await check('the time slider plays the plan forward into the conflict window', async () => {
    const p = us.page;
    await p.check('[data-testid=time-enable]');
    const { min, max } = await p.evaluate(() => {
      const r = document.querySelector('[data-testid=time-slider]');
      return { min: Number(r.dataset.min), max: Number(r.dataset.max) };
    });
    const target = T0 + 2850_000; // inside the conflict window
    await p.evaluate((v) => {
      const r = document.querySelector('[data-testid=time-slider]');
      r.value = String(v);
      r.dispatchEvent(new Event('input', { bubbles: true }));
    }, Math.round(((target - min) / (max - min)) * 1000));
    await p.waitForSelector('.leaflet-tooltip.mover-label');
    await p.waitForSelector('path.conflict-area.active-window');
    const label = await p.textContent('[data-testid=timebar-time]');
    assert(label.includes(new Date(target).toISOString().slice(0, 10)), `slider label: ${label}`);
    await p.click('[data-testid=play]');
    await p.waitForTimeout(500);
    await p.click('[data-testid=play]');
    await p.uncheck('[data-testid=time-enable]');
    await p.click('[data-testid=nav-inbox]');
  });

  await check('the coordinator sees all parties, unacknowledged notices first', async () => {
    const p = jcc.page;
    await login(p, base, tok.JCC);
    await p.waitForSelector('[data-testid=overview]');
    await p.waitForSelector(`[data-testid=overview-row][data-conflict-id="${conflictId}"]`);
    const first = await p.getAttribute('[data-testid=overview-row]', 'data-conflict-id');
    assert(first === conflictId, 'the open conflict is not first');
    const n = await p.textContent('[data-testid=tile-unacked] .tile-n');
    assert(n.trim() === '1', `unacknowledged tile: ${n}`);
    const parties = await p.locator('[data-testid=parties] tbody tr').count();
    assert(parties === 4, `parties listed: ${parties}`); // US, RU, JCC, OBS
    await shot(p, '05-coordinator-overview');
  });

  await check('the coordinator gets the exact view: exact times and both sides\' points', async () => {
    const c = await conflictAs(jcc.page, conflictId);
    assert(c.disclosure && c.disclosure.exact === true, `disclosure: ${JSON.stringify(c.disclosure)}`);
    assert(c.sides.every((x) => Array.isArray(x.position) && typeof x.moves === 'boolean'), `sides: ${JSON.stringify(c.sides)}`);
    assert(c.closest_approach.point, 'no exact point');
  });

  await step('US acknowledges with one click', async () => {
    const p = us.page;
    await p.click(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=ack]`);
    await p.waitForSelector(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=countdown].done`);
  });

  await step('RU acknowledges using only the keyboard, with visible focus', async () => {
    const p = ru.page;
    await tabTo(p, '[data-testid=nav-inbox]');
    assert(await focusIsVisible(p), 'no visible focus on the navigation link');
    await p.keyboard.press('Enter');
    await p.waitForSelector(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=ack]`);
    await tabTo(p, `[data-conflict-id="${conflictId}"] [data-testid=ack]`);
    assert(await focusIsVisible(p), 'no visible focus on the acknowledge button');
    await p.keyboard.press('Enter');
    await p.waitForSelector(`[data-testid=conflict-card][data-conflict-id="${conflictId}"][data-status=acknowledged]`);
  });

  await check('US sees the conflict acknowledged by both, live', async () => {
    await us.page.waitForSelector(`[data-testid=conflict-card][data-conflict-id="${conflictId}"][data-status=acknowledged]`);
  });

  await step('US asks the engine for a shift and proposes it in the thread', async () => {
    const p = us.page;
    await p.click(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=open-thread]`);
    await p.waitForSelector(`[data-testid=thread][data-conflict-id="${conflictId}"]`);
    await p.click('[data-testid=suggest]');
    await p.waitForSelector('[data-testid=suggestion]');
    const shift = Number(await p.getAttribute('[data-testid=suggestion]', 'data-shift'));
    assert(shift !== 0 && Number.isFinite(shift), `suggested shift: ${shift}`);
    await p.click('[data-testid=propose-suggested]');
    await p.waitForSelector('[data-testid=message][data-kind=propose]');
    // A second proposal, for RU to turn down.
    await p.click('[data-testid=propose-suggested]');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=message][data-kind=propose]').length === 2);
  });

  await step('RU sees both proposals live, rejects one and accepts the other', async () => {
    const p = ru.page;
    await p.click(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=open-thread]`);
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=message][data-kind=propose] [data-testid=reject-proposal]').length === 2);
    await p.locator('[data-testid=message][data-kind=propose] [data-testid=reject-proposal]').first().click();
    await p.waitForSelector('[data-testid=message][data-kind=reject]');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=accept-proposal]').length === 1);
    await p.click('[data-testid=accept-proposal]');
    await p.waitForSelector('[data-testid=message][data-kind=accept]');
    // US sees the answers live, the rejection marked on its first proposal.
    await us.page.waitForSelector('[data-testid=message][data-kind=reject]');
    await us.page.waitForSelector('[data-testid=message][data-kind=accept]');
  });

  await check('messages carry a language tag', async () => {
    const p = ru.page;
    await p.fill('[data-testid=message-text]', 'Принято, ждём.');
    await p.selectOption('[data-testid=message-lang]', 'ru');
    await p.click('[data-testid=send]');
    await p.waitForSelector('[data-testid=message][data-kind=text] .msg-text[lang=ru]');
    await us.page.waitForSelector('[data-testid=message][data-kind=text] .msg-text[lang=ru]');
  });

  await step('US applies the accepted delay to its plan; both consoles show the conflict resolved', async () => {
    const p = us.page;
    await p.waitForSelector('[data-testid=message][data-kind=accept]');
    await shot(p, '03-thread');
    await p.click('[data-testid=apply-proposal]');
    await p.click('[data-testid=confirm-ok]');
    await p.waitForSelector('[data-testid=apply-result]');
    await p.waitForSelector(`[data-testid=thread] [data-testid=status][data-status=resolved]`);
    await ru.page.waitForSelector(`[data-testid=thread] [data-testid=status][data-status=resolved]`);
    await ru.page.waitForSelector(`[data-testid=conflict-card][data-conflict-id="${conflictId}"]`, { state: 'detached' });
    await jcc.page.waitForSelector(`[data-testid=overview-row][data-conflict-id="${conflictId}"][data-status=resolved]`);
    await p.waitForSelector('[data-testid=history] li[data-kind="conflict.resolved"]');
  });

  await check('the record lists the party\'s audit trail and a receipt downloads', async () => {
    const p = us.page;
    await p.click('[data-testid=nav-record]');
    await p.waitForSelector('[data-testid=audit-table] tbody tr[data-kind="conflict.resolved"]');
    await p.waitForSelector('[data-testid=server-key]');
    const [dl] = await Promise.all([p.waitForEvent('download'), p.click('[data-testid=receipt-download]')]);
    const file = join(work, 'receipt.json');
    await dl.saveAs(file);
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const kinds = r.receipt.entries.map((e) => e.kind);
    assert(kinds.includes('conflict.opened') && kinds.includes('conflict.resolved'), `receipt kinds: ${kinds}`);
    assert(/^[0-9a-f]{128}$/.test(r.signature), 'receipt not signed');
    await shot(p, '04-record');
  });

  await check('leaving the map during a zoom animation raises no page error', async () => {
    // Leaflet finishes an animated zoom from a 250 ms timer; a map removed before it fires must
    // not throw (it did: "reading '_leaflet_pos'" after Amend or Show and a quick page change).
    const p = us.page;
    await p.click('[data-testid=nav-map]');
    await p.click('[data-testid=tab-plans]');
    const show = '[data-testid=plan-item][data-plan-id="us-patrol-1"] [data-testid=show-plan]';
    await p.waitForSelector(show);
    for (let i = 0; i < 3; i++) {
      await p.click('[data-testid=map] .leaflet-control-zoom-out');
      await p.waitForTimeout(300);
    }
    const before = problems.length;
    const zoomed = p.evaluate(() => new Promise((resolve) => {
      const pane = document.querySelector('.leaflet-map-pane');
      const seen = () => pane?.classList.contains('leaflet-zoom-anim');
      const t0 = performance.now();
      (function poll() {
        if (seen()) resolve(true);
        else if (performance.now() - t0 > 1000) resolve(false);
        else requestAnimationFrame(poll);
      })();
    }));
    await p.click(show);
    assert(await zoomed, '"Show" did not start an animated zoom (the check would prove nothing)');
    await p.click('[data-testid=nav-inbox]');
    await p.waitForSelector('.inbox-list');
    await p.waitForTimeout(600);
    const fresh = problems.slice(before);
    assert(fresh.length === 0, fresh.join('\n'));
  });

  await check('US amends a plan in the editor (PUT If-Match) and cancels it (DELETE If-Match)', async () => {
    const p = us.page;
    await p.click('[data-testid=nav-map]');
    await p.click('[data-testid=tab-plans]');
    const item = '[data-testid=plan-item][data-plan-id="us-patrol-1"]';
    await p.click(`${item} [data-testid=amend]`);
    await p.waitForSelector('[data-testid=plan-id][readonly]');
    await p.fill('[data-testid=corridor]', '80');
    await p.click('[data-testid=submit]');
    await p.waitForSelector('[data-testid=submit-result]');
    const text = await p.textContent('[data-testid=submit-result]');
    assert(/version 3/.test(text), `amend result: ${text}`);
    await p.click('[data-testid=tab-plans]');
    await p.waitForSelector(`${item}`);
    assert((await p.textContent(item)).includes('version 3'), 'plan list not updated');
    await p.click(`${item} [data-testid=cancel-plan]`);
    await p.click('[data-testid=confirm-ok]');
    await p.waitForSelector(item, { state: 'detached' });
    await p.click('[data-testid=nav-inbox]');
  });

  await check('a party submits a zone restricting others: it is pending; a coordinator approves it', async () => {
    const p = us.page;
    await p.click('[data-testid=nav-map]');
    await p.click('[data-testid=tab-editor]');
    const kml = `<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>US-PERIMETER</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
      41.80,36.90 41.84,36.90 41.84,36.93 41.80,36.93 41.80,36.90</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>`;
    await p.setInputFiles('[data-testid=file-input]', { name: 'perimeter.kml', mimeType: 'application/vnd.google-earth.kml+xml', buffer: Buffer.from(kml) });
    await p.waitForSelector('[data-testid=import-ok]');
    await p.selectOption('[data-testid=kind]', 'zone');
    await p.fill('[data-testid=plan-id]', 'us-perimeter');
    await p.click('[data-testid=submit]');
    await p.waitForSelector('[data-testid=submit-result]');
    await p.click('[data-testid=tab-plans]');
    const item = '[data-testid=plan-item][data-plan-id="us-perimeter"]';
    await p.waitForSelector(`${item} [data-testid=plan-pending]`);
    assert((await p.locator(`${item} [data-testid=approve-plan]`).count()) === 0, 'a party is offered approval');
    await shot(p, '08-zone-pending');
    const c = jcc.page;
    await c.click('[data-testid=nav-map]');
    await c.waitForSelector(`${item} [data-testid=plan-pending]`);
    await c.click(`${item} [data-testid=approve-plan]`);
    await c.click('[data-testid=confirm-ok]');
    await c.waitForSelector(`${item} [data-testid=plan-pending]`, { state: 'detached' });
    // The owner's console follows the approval live (plan.approved event).
    await p.waitForSelector(`${item} [data-testid=plan-pending]`, { state: 'detached' });
    await p.click('[data-testid=nav-inbox]');
  });

  await check('an observer reads everything and can change nothing', async () => {
    const p = jcc.page;
    await p.click('[data-testid=logout]');
    await login(p, base, tok.OBS);
    await p.waitForSelector(`[data-testid=overview-row][data-conflict-id="${conflictId}"]`);
    await p.click(`[data-testid=overview-row][data-conflict-id="${conflictId}"] a`);
    await p.waitForSelector('[data-testid=thread] [data-testid=message]');
    assert((await p.locator('[data-testid=send], [data-testid=thread-ack], [data-testid=suggest]').count()) === 0, 'observer has action controls');
    assert((await p.evaluate(() => sessionStorage.getItem('deconflict.token'))) === tok.OBS, 'logout did not replace the token');
  });

  await check('Arabic renders right to left and is kept across a reload', async () => {
    const p = us.page;
    await p.click('[data-testid=nav-inbox]');
    await p.waitForSelector('.inbox-list');
    await p.selectOption('[data-testid=lang]', 'ar');
    await p.waitForFunction(() => document.documentElement.dir === 'rtl' && document.documentElement.lang === 'ar');
    const layout = await p.evaluate(() => {
      const list = document.querySelector('.inbox-list').getBoundingClientRect();
      const thread = document.querySelector('.thread-host').getBoundingClientRect();
      const brand = document.querySelector('.brand').getBoundingClientRect();
      const nav = document.querySelector('.topbar nav').getBoundingClientRect();
      return { list: list.left, thread: thread.left, brand: brand.left, nav: nav.left, heading: getComputedStyle(document.querySelector('.inbox-list h2')).direction };
    });
    assert(layout.list > layout.thread, `list should be right of the thread: ${JSON.stringify(layout)}`);
    assert(layout.brand > layout.nav, `brand should be right of the navigation: ${JSON.stringify(layout)}`);
    assert(layout.heading === 'rtl', 'text direction');
    const title = await p.textContent('.inbox-list h2');
    assert(/[\u0600-\u06FF]/.test(title), `heading in Arabic: ${title}`);
    await p.reload();
    await p.waitForSelector('[data-testid=who]');
    assert((await p.evaluate(() => document.documentElement.dir)) === 'rtl', 'Arabic not kept after reload');
    await p.click(`[data-testid=filter-all]`);
    await p.click(`[data-testid=conflict-card][data-conflict-id="${conflictId}"] [data-testid=open-thread]`);
    await p.waitForSelector('[data-testid=history] li');
    await shot(p, '06-arabic');
  });

  await check('no page error and no Content-Security-Policy violation', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });

  await check('need-to-know: the US page never received RU\'s route beyond the conflict disclosure', async () => {
    const { bodies, streams } = await usRec.collect();
    assert(bodies.length > 10, `too few responses recorded: ${bodies.length}`);
    const all = [...bodies.map((b) => ({ where: b.url, text: b.text })), ...streams.map((s, i) => ({ where: `event stream #${i + 1}`, text: s }))];
    assert(streams.some((s) => s.includes('conflict.opened') && s.includes(conflictId)), `the event stream was not captured: ${streams.map((s) => s.slice(0, 120)).join(' | ')}`);
    assert(bodies.some((b) => b.text.includes(conflictId)), 'no response mentions the conflict (capture broken?)');
    const leaks = routeLeaks(all);
    assert(leaks.length === 0, leaks.join('\n'));
    // Control: the same detector does find the route in what RU's own page received.
    const own = await ruRec.collect();
    const ownHits = routeLeaks(own.bodies.map((b) => ({ where: b.url, text: b.text })));
    assert(ownHits.some((h) => h.includes('RU vertex coordinate')) && ownHits.some((h) => h.includes('RU plan id')), 'the leak detector does not see RU\'s route in RU\'s own responses');
  });
}

main()
  .catch((e) => {
    results.push({ name: 'the test itself ran', ok: false, error: e?.stack ?? String(e) });
  })
  .finally(() => finish());

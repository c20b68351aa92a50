// Builds the console into one flat folder: index.html, app.js, app.css, world.json.
// Output: web/dist, or the absolute path in DECONFLICT_WEB_OUT. Type-checking is done by
// `tsc --noEmit` before this script (npm run build).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const envOut = process.env.DECONFLICT_WEB_OUT;
if (envOut && !isAbsolute(envOut)) {
  console.error(`DECONFLICT_WEB_OUT must be an absolute path, got ${envOut}`);
  process.exit(2);
}
const out = envOut ? resolve(envOut) : join(here, 'dist');
// Only ever empty our own default folder; a given folder just gets our files overwritten.
if (!envOut) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// Natural Earth 1:50m countries: detailed enough for a theatre, small enough to load at once.
const basemap = process.env.DECONFLICT_BASEMAP ?? 'countries-50m';
if (!/^(countries|land)-(10m|50m|110m)$/.test(basemap)) {
  console.error(`DECONFLICT_BASEMAP must be countries-10m|50m|110m, got ${basemap}`);
  process.exit(2);
}

const result = await build({
  entryPoints: { app: join(here, 'src/main.ts') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  platform: 'browser',
  outdir: out,
  entryNames: '[name]',
  assetNames: '[name]',
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  sourcemap: process.env.DECONFLICT_WEB_SOURCEMAP === '1' ? 'linked' : false,
  legalComments: 'linked',
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});
if (result.errors.length) process.exit(1);

copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
const atlasDir = dirname(require.resolve('world-atlas/package.json'));
copyFileSync(join(atlasDir, `${basemap}.json`), join(out, 'world.json'));

let total = 0;
for (const name of readdirSync(out).sort()) {
  const st = statSync(join(out, name));
  if (st.isDirectory()) {
    console.error(`unexpected subdirectory in output: ${name}`);
    process.exit(1);
  }
  total += st.size;
  console.log(`${name.padEnd(16)} ${(st.size / 1024).toFixed(1).padStart(8)} KiB`);
}
console.log(`${'total'.padEnd(16)} ${(total / 1024).toFixed(1).padStart(8)} KiB -> ${out}`);

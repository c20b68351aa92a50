// Loads a module of src/ (TypeScript) in Node for unit tests: esbuild bundles it to ESM in
// memory and it is imported from a data: URL. Only for modules that do not touch the DOM at
// import time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function loadTs(relPath) {
  const entry = fileURLToPath(new URL(`../src/${relPath}`, import.meta.url));
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'node18',
    logLevel: 'silent',
  });
  const code = r.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

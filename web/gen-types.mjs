// The console's wire types, generated from the API contract (docs/openapi.json) by
// openapi-typescript into src/api-types.gen.ts; src/types.ts names them for the console.
//   node gen-types.mjs          (npm run gen:types)    rewrite src/api-types.gen.ts
//   node gen-types.mjs --check  (npm run check:types)  exit 1 if it is not what the contract gives
// openapi-typescript 6 is used because 7 needs TypeScript 5's compiler API (peer typescript@^5),
// and the console type-checks with TypeScript 7, which has none.
import openapiTS from 'openapi-typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const contract = join(here, '..', 'docs', 'openapi.json');
const target = join(here, 'src', 'api-types.gen.ts');
const check = process.argv.includes('--check');

const header = `// Generated from docs/openapi.json by openapi-typescript: do not edit.
// Regenerate with \`npm run gen:types\` in web/; ctest's web.types fails when this file is stale.
`;
const generated = await openapiTS(pathToFileURL(contract), { commentHeader: header, silent: true });

if (!check) {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
  process.exit(0);
}

let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  // a missing file is reported as stale below
}
if (current === generated) {
  console.log('src/api-types.gen.ts is up to date with docs/openapi.json');
  process.exit(0);
}
const have = current.split('\n');
const want = generated.split('\n');
let line = 0;
while (line < have.length && line < want.length && have[line] === want[line]) line++;
console.error(`src/api-types.gen.ts is out of date with docs/openapi.json (first difference at line ${line + 1}):`);
console.error(`  checked in: ${have[line] ?? '(end of file)'}`);
console.error(`  generated:  ${want[line] ?? '(end of file)'}`);
console.error('run npm run gen:types in web/ and commit src/api-types.gen.ts');
process.exit(1);

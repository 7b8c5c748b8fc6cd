#!/usr/bin/env bash
# What the first load of each page downloads of the front end, as a browser gets it: the main
# WASM module and the two scripts (the wasm-bindgen glue and the split loader), plus the pack of
# that page's route (its own module and the chunks it shares with other routes; see
# scripts/route-packs.mjs), from the last release build (target/site/pkg). Raw and as the .gz
# (gzip -9) and .br (brotli -q 11) files the build wrote and the server sends. Run after
# scripts/run.sh or `canopy_build`; prints one line per file of the common part, then one line
# per route with its totals, smallest first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../target/site"
[ -f hash.txt ] || { echo "target/site/hash.txt is missing: build first (scripts/build.sh)" >&2; exit 1; }
exec node --input-type=module - <<'EOF'
import { readFileSync, statSync } from 'node:fs';
const hashes = Object.fromEntries(readFileSync('hash.txt', 'utf8').trim().split('\n').map((line) => line.split(/:\s*/)));
const sizes = (file) => ['', '.gz', '.br'].map((suffix) => statSync(`pkg/${file}${suffix}`).size);
const add = (a, b) => a.map((value, i) => value + b[i]);
const row = (label, [raw, gz, br], note = '') =>
  console.log(`${label.padEnd(20)} raw ${String(raw).padStart(9)}  gzip ${String(gz).padStart(8)}  brotli ${String(br).padStart(8)}${note}`);

const common = [`canopy.${hashes.wasm}.wasm`, `canopy.${hashes.js}.js`];
if (hashes.split) common.push(`__wasm_split.${hashes.split}.js`);
let base = [0, 0, 0];
for (const file of common) {
  row(file.replace(/\.[0-9a-f]{16}\./, '.'), sizes(file), `  (${file})`);
  base = add(base, sizes(file));
}
row('every page', base);
if (hashes.manifest) {
  const routes = JSON.parse(readFileSync(`pkg/__wasm_split_manifest.${hashes.manifest}.json`, 'utf8'));
  const rows = Object.entries(routes).map(([key, files]) => {
    const name = key.replace(/^__/, '').replace(/_route_view_\d+$/, '').replaceAll('_', '-');
    return [name, files, files.reduce((total, file) => add(total, sizes(`${file}.wasm`)), base)];
  });
  rows.sort((a, b) => a[2][2] - b[2][2]);
  console.log("first load of each route (every page + the route's pack):");
  for (const [name, files, total] of rows) row(name, total, `  (+ ${files.map((file) => `${file}.wasm`).join(', ')})`);
}
EOF

// Readies a built site's assets for serving as a CDN would: content-hashed names, and the
// compressed copies the server sends as they are.
//
//   node scripts/fingerprint.mjs <site root> [output name]
//
// Every file is renamed <stem>.<hash>.<ext>, where <hash> is the first 16 hex digits of its
// SHA-256 (the pattern `server/src/web/assets.rs` caches for a year), and gets two siblings: .br
// (brotli quality 11, 16 MiB window, as `brotli -q 11`) and .gz (level 9, as `gzip -9`).
//
// The files, in <site>/pkg:
//   <name>.wasm, <name>.css    the main module and the style sheet;
//   chunk_<n>.wasm, split_<route>.wasm
//                              what wasm-split cut out of the main module: one module per lazy
//                              route, and the chunks of code that several of them share;
//   __wasm_split.js            the loader of those modules, as wasm-split wrote it. It is
//                              rewritten to name the hashed modules and to fetch each route's
//                              modules as one pack (scripts/route-packs.mjs), then minified;
//   <name>.js                  the wasm-bindgen glue. It and the loader import each other, so the
//                              two share one hash, taken over both and the main module's.
//
// <site>/hash.txt then lists the hashes the way Leptos reads them (`js:`, `wasm:`, `css:`,
// `split:` for the loader, `manifest:` for __wasm_split_manifest.<hash>.json). That manifest maps
// each lazy route to its pack, so a page rendered on the server preloads its route's code before
// hydrating it.
//
// Node's zlib, not the brotli CLI: Node is already needed for esbuild and Tailwind, and its
// brotli is the same reference library, so the build needs nothing more from apt.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';

import { packRoutes } from './route-packs.mjs';

const [site, name = 'canopy'] = process.argv.slice(2);
if (!site) {
  console.error('usage: node scripts/fingerprint.mjs <site root> [output name]');
  process.exit(2);
}
const pkg = path.join(site, 'pkg');
const LOADER = '__wasm_split';

const hashOf = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
};

// Writes `bytes` as <stem>.<hash>.<extension> with its .br and .gz, removes the unhashed input,
// and returns the hashed stem.
const emit = (stem, extension, bytes, hash = hashOf(bytes)) => {
  const hashed = `${stem}.${hash}`;
  const file = path.join(pkg, `${hashed}.${extension}`);
  writeFileSync(file, bytes);
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(`${file}.br`, brotli);
  const gzip = gzipSync(bytes, { level: 9 });
  writeFileSync(`${file}.gz`, gzip);
  rmSync(path.join(pkg, `${stem}.${extension}`), { force: true });
  console.log(
    `${path.basename(file).padEnd(72)} raw ${String(bytes.length).padStart(9)}  gzip ${String(gzip.length).padStart(8)}  brotli ${String(brotli.length).padStart(8)}`,
  );
  return { hashed, hash };
};

const manifest = [];
const read = (file) => readFileSync(path.join(pkg, file));

// The modules wasm-split cut out, hashed first: the loader names them.
const renamed = new Map();
for (const file of readdirSync(pkg).sort()) {
  const match = /^((?:chunk|split)_\w+)\.wasm$/.exec(file);
  if (match) renamed.set(match[1], emit(match[1], 'wasm', read(file)).hashed);
}

const wasm = emit(name, 'wasm', read(`${name}.wasm`));
manifest.push(`wasm: ${wasm.hash}`);

let glue = read(`${name}.js`).toString();
if (existsSync(path.join(pkg, `${LOADER}.js`))) {
  const { loader: packed, preloads } = packRoutes(
    read(`${LOADER}.js`).toString(),
    renamed,
    (hashed) => read(`${hashed}.wasm`),
    (stem, bytes) => emit(stem, 'wasm', bytes).hashed,
  );
  let loader = transformSync(packed, { minify: true, format: 'esm', logLevel: 'warning' }).code;

  const group = hashOf(glue, loader, wasm.hash);
  // Only the `import … from "…"` statements: the main module's import section names the loader
  // "./__wasm_split.js", and so must the key of the imports object that instantiates it.
  const renameImport = (source, from, to) => {
    const statement = new RegExp(`(\\bfrom\\s*)"\\./${from.replaceAll('.', '\\.')}"`, 'g');
    if (!statement.test(source)) throw new Error(`no import of ./${from} to rename`);
    return source.replace(statement, `$1"./${to}"`);
  };
  glue = renameImport(glue, `${LOADER}.js`, `${LOADER}.${group}.js`);
  loader = renameImport(loader, `${name}.js`, `${name}.${group}.js`);
  emit(LOADER, 'js', Buffer.from(loader), group);
  emit(name, 'js', Buffer.from(glue), group);
  manifest.push(`js: ${group}`, `split: ${group}`);

  const { hash } = emit(`${LOADER}_manifest`, 'json', Buffer.from(`${JSON.stringify(preloads, null, 1)}\n`));
  manifest.push(`manifest: ${hash}`);
} else {
  manifest.push(`js: ${emit(name, 'js', Buffer.from(glue)).hash}`);
}

manifest.push(`css: ${emit(name, 'css', read(`${name}.css`)).hash}`);
// Written last, so a server never reads a manifest that names files not yet there.
writeFileSync(path.join(site, 'hash.txt'), `${manifest.join('\n')}\n`);

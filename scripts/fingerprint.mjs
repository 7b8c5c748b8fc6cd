// Readies a built site's assets for serving as a CDN would: content-hashed names, and the
// compressed copies the server sends as they are.
//
//   node scripts/fingerprint.mjs <site root> [output name]
//
// Each of <site>/pkg/<name>.js, .wasm and .css is renamed <name>.<hash>.<ext>, where <hash> is
// the first 16 hex digits of its SHA-256 (the pattern `server/src/web/assets.rs` caches for a year),
// and gets two siblings: .br (brotli quality 11, 16 MiB window, as `brotli -q 11`) and .gz
// (level 9, as `gzip -9`). <site>/hash.txt then lists the hashes the way Leptos reads them
// (`js: <hash>`, `wasm: <hash>`, `css: <hash>`), to name the files in every page.
//
// Node's zlib, not the brotli CLI: Node is already needed for esbuild and Tailwind, and its
// brotli is the same reference library, so the build needs nothing more from apt.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const [site, name = 'canopy'] = process.argv.slice(2);
if (!site) {
  console.error('usage: node scripts/fingerprint.mjs <site root> [output name]');
  process.exit(2);
}
const pkg = path.join(site, 'pkg');

const manifest = [];
for (const extension of ['js', 'wasm', 'css']) {
  const plain = path.join(pkg, `${name}.${extension}`);
  const bytes = readFileSync(plain);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const hashed = path.join(pkg, `${name}.${hash}.${extension}`);
  renameSync(plain, hashed);
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(`${hashed}.br`, brotli);
  const gzip = gzipSync(bytes, { level: 9 });
  writeFileSync(`${hashed}.gz`, gzip);
  manifest.push(`${extension}: ${hash}`);
  console.log(
    `${path.basename(hashed).padEnd(32)} raw ${String(bytes.length).padStart(9)}  gzip ${String(gzip.length).padStart(8)}  brotli ${String(brotli.length).padStart(8)}`,
  );
}
// Written last, so a server never reads a manifest that names files not yet there.
writeFileSync(path.join(site, 'hash.txt'), `${manifest.join('\n')}\n`);

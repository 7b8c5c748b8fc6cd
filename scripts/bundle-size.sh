#!/usr/bin/env bash
# The hydrate bundle's size as a browser downloads it: the WASM and its JS glue from the last
# release build (target/site/pkg), raw, gzip -9 and brotli -q 11. Run after scripts/run.sh or
# `canopy_build`; prints one line per file and a total.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../target/site/pkg"
command -v brotli >/dev/null || { echo "brotli is missing (apt-get install brotli)" >&2; exit 1; }
total_raw=0; total_gz=0; total_br=0
for file in canopy.wasm canopy.js canopy.css; do
  raw=$(wc -c < "$file"); gz=$(gzip -9c "$file" | wc -c); br=$(brotli -q 11 -c "$file" | wc -c)
  printf '%-12s raw %9d  gzip %8d  brotli %8d\n' "$file" "$raw" "$gz" "$br"
  if [ "$file" != canopy.css ]; then total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br)); fi
done
printf '%-12s raw %9d  gzip %8d  brotli %8d\n' "wasm + js" "$total_raw" "$total_gz" "$total_br"

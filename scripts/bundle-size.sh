#!/usr/bin/env bash
# The hydrate bundle's size as a browser downloads it: the WASM and its JS glue from the last
# release build (target/site/pkg), raw and as the .gz (gzip -9) and .br (brotli -q 11) files the
# build wrote and the server sends. Run after scripts/run.sh or `canopy_build`; prints one line
# per file and a total.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../target/site"
[ -f hash.txt ] || { echo "target/site/hash.txt is missing: build first (scripts/build.sh)" >&2; exit 1; }
hash_of() { sed -n "s/^$1: *//p" hash.txt; }
total_raw=0; total_gz=0; total_br=0
for extension in wasm js css; do
  file="pkg/canopy.$(hash_of "$extension").$extension"
  raw=$(wc -c < "$file"); gz=$(wc -c < "$file.gz"); br=$(wc -c < "$file.br")
  printf '%-12s raw %9d  gzip %8d  brotli %8d  (%s)\n' "canopy.$extension" "$raw" "$gz" "$br" "${file#pkg/}"
  if [ "$extension" != css ]; then total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br)); fi
done
printf '%-12s raw %9d  gzip %8d  brotli %8d\n' "wasm + js" "$total_raw" "$total_gz" "$total_br"

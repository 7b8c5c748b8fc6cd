#!/usr/bin/env bash
# The release build: the WASM front end and its JS glue, the CSS and the static assets into
# target/site, and the `canopy` server binary into target/release. What cargo-leptos would do,
# in the open:
#
#   1. cargo builds `frontend` for wasm32-unknown-unknown with the `wasm-release` profile, and at
#      the same time (the two share nothing) `server` with the release profile; both with
#      `--cfg erase_components`, which server and browser must agree on to hydrate. The front
#      end is linked with `--emit-relocs`, which the splitter needs;
#   2. wasm-split-cli (`cargo leptos --split`) cuts it into a main module, one module per lazy
#      route (`#[lazy_route]` in app/src/lazy_pages.rs), the chunks of code several routes share, and
#      __wasm_split.js, which loads a route's modules when the route is first shown;
#   3. wasm-bindgen writes target/site/pkg/canopy.js and canopy.wasm from the main module;
#      scripts/wasm-opt.mjs shrinks every module as `wasm-opt -Oz` would, and esbuild minifies
#      the glue;
#   4. Tailwind writes target/site/pkg/canopy.css; public/ is copied to target/site;
#   5. scripts/fingerprint.mjs packs each route's modules into one file (scripts/route-packs.mjs,
#      with the loader rewritten to fetch it), renames every file <stem>.<hash>.<ext>, writes a
#      .br (brotli -q 11) and a .gz (gzip -9) next to each, the route → pack manifest the pages
#      preload from, and target/site/hash.txt, from which the server's pages name them
#      (server/src/web/assets.rs serves them as they are).
#
# The server is compiled with LEPTOS_OUTPUT_NAME=canopy, so its pages load /pkg/canopy.<hash>.js
# and /pkg/canopy.<hash>.wasm (without it, Leptos names the module canopy_bg.wasm).
#
# Sourced after scripts/setup.sh (which chooses the toolchains) for `canopy_build`; run directly,
# it sets up for running and builds: `bash scripts/build.sh`.

# site_from_wasm MODULE SITE LOGS: steps 2 to 5 above. Skipped when none of their inputs changed
# since the last time (the module, the CSS sources, public/, the tools), which is what makes a
# warm `scripts/run.sh` start in seconds: optimizing the modules alone takes about a minute.
site_from_wasm() {
  local module="$1" site="$2" logs="$3" root="$CANOPY_ROOT" inputs
  inputs="$( { sha256sum "$module" "$root/style/tailwind.css" "$root/scripts/build.sh" "$root/scripts/fingerprint.mjs" "$root/scripts/route-packs.mjs" "$root/scripts/wasm-opt.mjs"
               find "$root/app/src" "$root/public" -type f -print0 | sort -z | xargs -0 sha256sum | sed "s|$root/||"
               wasm-bindgen --version; command -v wasm-split-cli; } | sha256sum | cut -c1-64)"
  if [ -f "$site/hash.txt" ] && [ "$(cat "$root/target/site.inputs" 2>/dev/null)" = "$inputs" ]; then
    say "The site is up to date (target/site)"
    return 0
  fi
  # The previous build's hashed files and manifest: nothing names them once this one is done.
  rm -rf "$site/pkg" "$site/hash.txt" "$root/target/site.inputs"
  local split="$root/target/wasm-split"
  rm -rf "$split" && mkdir -p "$split" "$site/pkg" &&
    wasm-split-cli --target web --out-name canopy "$module" "$split" >"$logs/wasm-split.log" 2>&1 &&
    # --keep-lld-exports and --no-demangle: the split modules import the main module's functions
    # by their linker names.
    wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
      --out-dir "$site/pkg" --out-name canopy "$split/canopy.wasm" &&
    mv "$site/pkg/canopy_bg.wasm" "$site/pkg/canopy.wasm" &&
    cp "$split"/chunk_*.wasm "$split"/split_*.wasm "$site/pkg/" &&
    node "$root/scripts/wasm-opt.mjs" "$site/pkg" 2>"$logs/wasm-opt.log" &&
    esbuild "$site/pkg/canopy.js" --minify --format=esm --log-level=warning --log-override:duplicate-object-key=silent \
      --outfile="$site/pkg/canopy.min.js" &&
    mv "$site/pkg/canopy.min.js" "$site/pkg/canopy.js" &&
    cp "$split/__wasm_split.js" "$site/pkg/" &&
    (cd "$root" && tailwindcss --input style/tailwind.css --output "$site/pkg/canopy.css" --minify 2>"$logs/tailwind.log") &&
    cp -R "$root/public/." "$site/" &&
    node "$root/scripts/fingerprint.mjs" "$site" canopy >"$logs/fingerprint.log" &&
    echo "$inputs" >"$root/target/site.inputs"
}

canopy_build() {
  local root="$CANOPY_ROOT" site="$CANOPY_ROOT/target/site"
  local logs="$CANOPY_ROOT/.canopy/logs" started=$SECONDS
  mkdir -p "$logs" "$site/pkg"

  # The server compiles in the background while the front end compiles in the foreground; on a
  # cold build on 2 cores that keeps both cores busy through each one's long serial tail.
  say "Building the server (release; log: .canopy/logs/build-server.log)"
  (
    cd "$root"
    RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=canopy \
      with_toolchain "$CANOPY_PROJECT_TOOLCHAIN" cargo build --release -p server --bin canopy
  ) >"$logs/build-server.log" 2>&1 &
  local server_pid=$!

  say "Building the WASM front end (wasm-release)"
  local wasm_status=0
  (
    cd "$root"
    export RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs"
    if [ -n "$CANOPY_WASM_BUILD_STD" ]; then
      export RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD="$CANOPY_WASM_BUILD_STD"
    fi
    with_toolchain "$CANOPY_WASM_TOOLCHAIN" cargo build -p frontend --lib \
      --target wasm32-unknown-unknown --profile wasm-release
  ) || wasm_status=$?

  if [ $wasm_status -eq 0 ]; then
    # wasm-bindgen-cli may still be compiling (setup started it in the background).
    setup_wait || wasm_status=1
  fi
  if [ $wasm_status -eq 0 ]; then
    site_from_wasm "$root/target/wasm32-unknown-unknown/wasm-release/frontend.wasm" "$site" "$logs" || wasm_status=1
  fi

  say "Waiting for the server build"
  local server_status=0
  wait "$server_pid" || server_status=$?
  if [ $server_status -ne 0 ]; then
    grep -E '^(error|warning: unused)' -A12 "$logs/build-server.log" | head -n 60 >&2 || tail -n 40 "$logs/build-server.log" >&2
    printf 'build: the server did not compile (above; whole log: .canopy/logs/build-server.log)\n' >&2
  fi
  if [ $wasm_status -ne 0 ]; then
    printf 'build: the front end did not build (above)\n' >&2
  fi
  [ $server_status -eq 0 ] && [ $wasm_status -eq 0 ] || return 1
  say "Built in $((SECONDS - started)) s: target/release/canopy and target/site"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" run
  canopy_build
fi

#!/usr/bin/env bash
# Where the hydrate bundle's bytes go, measured by building less of it.
#
# 1. Floors: scripts/bundle-floor/, a crate with nothing of Canopy in it, as a bare hydrate app,
#    one list page, that page behind the client router, and islands (partial hydration).
# 2. The portal with parts taken away: a throwaway worktree of HEAD whose routes are replaced by
#    a one-line page, one part at a time (bulk upload, then the assignments page, then the
#    overview and the environment shell).
#
# Every build uses the portal's `wasm-release` profile and erased components, then wasm-bindgen
# and `wasm-opt -Oz` as cargo-leptos does; sizes are the WASM after that, raw and brotli -q 11
# (the JS glue, about 7 KB brotli, is left out). About 8 minutes cold on 2 cores.
# Usage: bash scripts/bundle-floor.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" run
cd "$CANOPY_ROOT"
command -v brotli >/dev/null || apt_install brotli
setup_wait   # wasm-bindgen-cli, if setup is still building it

work="$CANOPY_ROOT/target/bundle-floor"
mkdir -p "$work"
# Warnings are silenced: taking routes out leaves their imports unused.
export RUSTFLAGS="--cfg erase_components -A warnings"
if [ -n "$CANOPY_WASM_BUILD_STD" ]; then export RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD="$CANOPY_WASM_BUILD_STD"; fi
wasm_build=(--target wasm32-unknown-unknown --profile wasm-release)

# report LABEL WASM: bindgen + wasm-opt the module, print its sizes.
report() {
  local out="$work/out/$1"
  mkdir -p "$out"
  wasm-bindgen --target web --out-dir "$out" --out-name bundle "$2"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$out/bundle_bg.wasm" -o "$out/bundle_bg.wasm"
  printf '%-34s raw %9d  brotli %8d\n' "$1" "$(wc -c < "$out/bundle_bg.wasm")" "$(brotli -q 11 -c "$out/bundle_bg.wasm" | wc -c)"
}

say "Floors (scripts/bundle-floor)"
for variant in hello list routed islands; do
  features=(); [ "$variant" != hello ] && features=(--features "$variant")
  (cd scripts/bundle-floor && with_toolchain "$CANOPY_WASM_TOOLCHAIN" cargo build --quiet --lib "${wasm_build[@]}" --target-dir "$work/floor" "${features[@]}")
  report "floor: $variant" "$work/floor/wasm32-unknown-unknown/wasm-release/bundle_floor.wasm"
done

say "The portal, part by part (a worktree of HEAD)"
tree="$work/portal"
git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git worktree add --detach --quiet "$tree" HEAD
trap 'git -C "$CANOPY_ROOT" worktree remove --force "$tree"' EXIT
portal() {
  (cd "$tree" && with_toolchain "$CANOPY_WASM_TOOLCHAIN" cargo build --quiet -p frontend --lib --no-default-features "${wasm_build[@]}" --target-dir "$work/target")
  report "portal: $1" "$work/target/wasm32-unknown-unknown/wasm-release/frontend.wasm"
}
stub() {
  sed -i "s|$1|view=\|\| view! { <p>\"gone\"</p> }|" "$tree/app/src/lib.rs"
  ! grep -q "$1" "$tree/app/src/lib.rs" || { echo "could not take $1 out of app/src/lib.rs" >&2; exit 1; }
}
portal "whole"
stub 'view=BulkUploadPage'
portal "without bulk upload"
stub 'view=AssignmentsPage'
portal "  and the assignments page"
stub 'view=OverviewPage'
sed -i 's|view=DashboardShell|view=leptos_router::components::Outlet|' "$tree/app/src/lib.rs"
portal "  and overview and shell"

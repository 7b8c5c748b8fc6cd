#!/usr/bin/env bash
# Tests of scripts/setup.sh's decisions: setup_plan is fed the facts of machines as they are handed
# out and as they are later, and what it prints is checked. Nothing is installed or built.
# Ends with `setup plan: N passed, N failed`; exits 1 on a failure.
set -uo pipefail
CANOPY_SETUP_LIB=1 source "$(dirname "${BASH_SOURCE[0]}")/../setup.sh"

passed=0; failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); printf 'FAIL %s: %s\n' "$scenario" "$1"; printf '%s\n' "$out" | sed 's/^/    | /'; }

# facts KEY=VALUE...: a machine; unset facts are those of a machine where everything is present.
facts() {
  F_MODE=run F_RUSTUP=yes F_DEFAULT_RUST=1.95.0 F_WASM_TARGET=yes
  F_DEBIAN_RUST=none F_DEBIAN_CANDIDATE=unknown F_DEBIAN_LINKED=no
  F_WASM_BINDGEN="$WASM_BINDGEN_VERSION" F_WASM_BINDGEN_WANT="$WASM_BINDGEN_VERSION" F_WASM_SPLIT="$WASM_SPLIT_VERSION"
  F_NPM=yes F_NODE_MODULES=current F_CHROMIUM=yes F_POSTGRES=yes F_SQLITE3=yes F_PYTHON_VENV=yes F_SAMPLES_VENV=yes
  local fact; for fact in "$@"; do eval "$fact"; done
}
# plan SCENARIO KEY=VALUE...: runs setup_plan on those facts into $out and $status.
plan() { scenario="$1"; shift; facts "$@"; out="$(setup_plan 2>&1)"; status=$?; }

has() { if grep -qF -- "$1" <<<"$out"; then ok; else bad "expected a line with: $1"; fi; }
lacks() { if grep -qiF -- "$1" <<<"$out"; then bad "expected no line with: $1"; else ok; fi; }
succeeds() { if [ "$status" -eq 0 ]; then ok; else bad "expected status 0, got $status"; fi; }
fails() { if [ "$status" -ne 0 ]; then ok; else bad "expected a failure"; fi; }
# Every toolchain named on a line is at least the version that line says is needed: the rule the
# old script broke (cargo-leptos 0.3.11, which needs 1.96, built with the default 1.95).
toolchains_new_enough() {
  local line have need broken=0
  while IFS= read -r line; do
    have="$(sed -n 's/.*(Rust \([0-9.]*\)).*/\1/p' <<<"$line")"
    need="$(sed -n 's/.*needs ≥ \([0-9.]*\).*/\1/p' <<<"$line")"
    [ -n "$have" ] || continue
    if [ -z "$need" ]; then bad "no 'needs ≥' on: $line"; broken=1; continue; fi
    ver_ge "$have" "$need" || { bad "Rust $have is older than the $need needed on: $line"; broken=1; }
  done <<<"$out"
  [ $broken -eq 1 ] || ok
}
# Each long step is announced with what builds it.
builds_with() { has "$1 with $2"; }

# A fresh machine as handed out: rustup's stable 1.95 with the wasm32 target, and nothing else.
fresh=(F_WASM_BINDGEN=none F_WASM_SPLIT=none F_NODE_MODULES=missing F_CHROMIUM=no F_POSTGRES=no F_SQLITE3=no F_SAMPLES_VENV=no)
plan "fresh, run" "${fresh[@]}"
succeeds; toolchains_new_enough
builds_with "Canopy's server and tests build" "rustup default (Rust 1.95.0)"
builds_with "the WASM front end builds" "rustup default (Rust 1.95.0)"
has "install wasm-bindgen-cli $WASM_BINDGEN_VERSION with rustup default (Rust 1.95.0)"
has "install wasm-split-cli $WASM_SPLIT_VERSION with rustup default (Rust 1.95.0)"
has "install the npm packages"
lacks "rustc-web"; lacks "cargo-leptos"
# Command 1 installs only what running needs.
lacks "chromium"; lacks "postgresql"; lacks "sqlite3"; lacks "venv"

plan "fresh, test" "${fresh[@]}" F_MODE=test
succeeds; toolchains_new_enough
has "install Debian's chromium"; has "install Debian's postgresql"; has "make .canopy/venv"
has "requests $REQUESTS_VERSION and schemathesis $SCHEMATHESIS_VERSION (PyPI)"
has "setup: install Debian's sqlite3 (apt): the system SQLite"
lacks "rustc-web"

# The offline path: a default toolchain without the wasm32 target, which rustup cannot add.
offline=("${fresh[@]}" F_WASM_TARGET=no F_DEBIAN_CANDIDATE=1.96.0)
plan "offline, run" "${offline[@]}"
succeeds; toolchains_new_enough
builds_with "Canopy's server and tests build" "rustup default (Rust 1.95.0)"
builds_with "the WASM front end builds" "Debian's rust-web (Rust 1.96.0), its standard library from source"
has "install Debian's rustc-web cargo-web rust-web-src rust-web-llvm lld-22"
has "link Debian's Rust as the rustup toolchain debian-web"
has "install wasm-bindgen-cli $WASM_BINDGEN_VERSION with rustup default (Rust 1.95.0)"
lacks "chromium"

# The plan's variables, as setup_apply and scripts/build.sh read them (in this shell this time).
scenario="offline, variables"; out=""
facts "${offline[@]}"; setup_plan >/dev/null 2>&1
if [ "$P_PROJECT/$P_WASM/$P_WASM_BUILD_STD/$P_DEBIAN_APT/$P_DEBIAN_LINK/$P_WASM_BINDGEN/$P_NPM/$P_CHROMIUM" \
     = "default/debian/std,panic_abort/yes/yes/default/yes/no" ]; then ok; else
  bad "P_* = $P_PROJECT/$P_WASM/$P_WASM_BUILD_STD/$P_DEBIAN_APT/$P_DEBIAN_LINK/$P_WASM_BINDGEN/$P_NPM/$P_CHROMIUM"; fi

# Offline, warm: Debian's Rust installed and linked, every tool present.
plan "offline, warm" F_WASM_TARGET=no F_DEBIAN_RUST=1.96.0 F_DEBIAN_LINKED=yes F_MODE=test
succeeds; toolchains_new_enough
has "setup: nothing to install"
builds_with "the WASM front end builds" "Debian's rust-web (Rust 1.96.0)"
lacks "setup: install"; lacks "setup: link"

# Offline, and apt offers no rustc-web: one line, before anything long starts.
plan "offline, no Debian Rust" "${offline[@]}" F_DEBIAN_CANDIDATE=none
fails
has "setup: cannot build the WASM front end"
lacks "install wasm-bindgen-cli"

# A default toolchain newer than 1.96, with and without the wasm32 target.
plan "newer, run" "${fresh[@]}" F_DEFAULT_RUST=1.97.1
succeeds; toolchains_new_enough
builds_with "the WASM front end builds" "rustup default (Rust 1.97.1)"
lacks "rustc-web"
plan "newer without wasm32" "${fresh[@]}" F_DEFAULT_RUST=1.97.1 F_WASM_TARGET=no F_DEBIAN_CANDIDATE=1.96.0
succeeds; toolchains_new_enough
builds_with "Canopy's server and tests build" "rustup default (Rust 1.97.1)"
builds_with "the WASM front end builds" "Debian's rust-web (Rust 1.96.0)"

# A default older than Canopy needs: Debian's Rust builds everything it can.
plan "old default" "${fresh[@]}" F_DEFAULT_RUST=1.80.0 F_DEBIAN_CANDIDATE=1.96.0
succeeds; toolchains_new_enough
builds_with "Canopy's server and tests build" "Debian's rust-web (Rust 1.96.0)"
builds_with "the WASM front end builds" "Debian's rust-web (Rust 1.96.0)"
has "install wasm-bindgen-cli $WASM_BINDGEN_VERSION with Debian's rust-web (Rust 1.96.0)"
has "install wasm-split-cli $WASM_SPLIT_VERSION with Debian's rust-web (Rust 1.96.0)"
plan "old default, no Debian Rust" "${fresh[@]}" F_DEFAULT_RUST=1.80.0 F_DEBIAN_CANDIDATE=none
fails; has "setup: cannot build Canopy: it needs Rust ≥ $CANOPY_RUST_MIN"

# Warm: everything present. Nothing to install, in either mode.
plan "warm, run"
succeeds; toolchains_new_enough; has "setup: nothing to install"; lacks "setup: install"
plan "warm, test" F_MODE=test
succeeds; has "setup: nothing to install"
# Only the system sqlite3 missing: installed for the tests alone, by setup_apply's apt step.
plan "warm, no sqlite3, test" F_MODE=test F_SQLITE3=no
succeeds; has "setup: install Debian's sqlite3 (apt)"; lacks "chromium"; lacks "postgresql"
facts F_MODE=test F_SQLITE3=no; setup_plan >/dev/null 2>&1
if [ "$P_SQLITE3/$P_CHROMIUM/$P_POSTGRES" = yes/no/no ]; then ok; else bad "P_SQLITE3/P_CHROMIUM/P_POSTGRES = $P_SQLITE3/$P_CHROMIUM/$P_POSTGRES"; fi
# A venv without schemathesis at its pin (one made before the fuzzing, or another version) is made
# again, for the tests only.
plan "warm, venv without schemathesis, test" F_MODE=test F_SAMPLES_VENV=no
succeeds; has "make .canopy/venv with requests $REQUESTS_VERSION and schemathesis $SCHEMATHESIS_VERSION"; lacks "chromium"
facts F_MODE=test F_SAMPLES_VENV=no; setup_plan >/dev/null 2>&1
if [ "$P_SAMPLES_VENV/$P_PYTHON_VENV_APT" = yes/no ]; then ok; else bad "P_SAMPLES_VENV/P_PYTHON_VENV_APT = $P_SAMPLES_VENV/$P_PYTHON_VENV_APT"; fi
plan "warm, venv without schemathesis, run" F_SAMPLES_VENV=no
succeeds; has "setup: nothing to install"; lacks "schemathesis"
plan "warm, no sqlite3, run" F_SQLITE3=no
succeeds; has "setup: nothing to install"; lacks "sqlite3"
# A wasm-bindgen CLI of another version is replaced; a stale node_modules is refreshed.
plan "warm, other wasm-bindgen" F_WASM_BINDGEN=0.2.100 F_NODE_MODULES=stale
succeeds; toolchains_new_enough
has "install wasm-bindgen-cli $WASM_BINDGEN_VERSION with rustup default (Rust 1.95.0) (0.2.100 installed"
has "node_modules is stale"
# A splitter of another version (the format it reads changes between releases) is replaced.
plan "warm, other wasm-split" F_WASM_SPLIT=0.2.2
succeeds; has "install wasm-split-cli $WASM_SPLIT_VERSION with rustup default (Rust 1.95.0) (0.2.2 installed"; lacks "wasm-bindgen-cli"

# The checker itself catches the old script's mistake.
scenario="checker"; out="setup: install cargo-leptos 0.3.11 with rustup default (Rust 1.95.0); it needs ≥ 1.96"
before=$failed; toolchains_new_enough 2>/dev/null >/dev/null
if [ $failed -gt $before ]; then failed=$before; passed=$((passed + 1)); else bad "the checker let 1.95 build what needs 1.96"; fi

# What apply takes as an installed package: not one that `apt-get remove` left as config files
# (state rc), which `dpkg -s` still reports; the first proof from nothing tripped on that.
scenario="pkg_installed"; out=""
dpkg-query() { case "$*" in *chromium*) printf 'deinstall ok config-files' ;; *git*) printf 'install ok installed' ;; *) return 1 ;; esac; }
if ! pkg_installed chromium && pkg_installed git && ! pkg_installed nothing-such; then ok; else bad "a removed (rc) or unknown package counted as installed"; fi
unset -f dpkg-query

echo "setup plan: $passed passed, $failed failed"
[ $failed -eq 0 ]

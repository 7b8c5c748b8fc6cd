#!/usr/bin/env bash
# Installs whatever this machine lacks to build, run and test Canopy, and exports the environment
# the build needs. Idempotent: on a machine that has everything it returns in about a second.
# Sourced by scripts/run.sh and scripts/test.sh (`source scripts/setup.sh`); running it directly
# only installs.
#
# The WASM front end needs a Rust standard library for wasm32-unknown-unknown. The ordinary way is
# `rustup target add`; where rustup's download server is out of reach, Debian's Rust 1.96 with
# its std source builds std for wasm with cargo's build-std (see ../shared/TOOLCHAIN.md).

set -euo pipefail

CANOPY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CANOPY_STATE="$CANOPY_ROOT/.canopy"
mkdir -p "$CANOPY_STATE"

CARGO_LEPTOS_VERSION=0.3.11
say() { printf '\033[1;32m==>\033[0m %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ $apt_updated -eq 0 ]; then say "apt-get update"; $sudo apt-get update -qq; apt_updated=1; fi
  say "Installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

export PATH="$CANOPY_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# --- Rust toolchain ------------------------------------------------------------------------------
choose_toolchain() {
  if [ -f "$CANOPY_STATE/toolchain" ]; then cat "$CANOPY_STATE/toolchain"; return; fi
  if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    echo ordinary; return
  fi
  if command -v rustup >/dev/null && timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    echo ordinary; return
  fi
  echo offline
}

toolchain="$(choose_toolchain)"
if [ "$toolchain" = offline ]; then
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  if ! rustup toolchain list 2>/dev/null | grep -q '^debian-web'; then
    say "Linking Debian's Rust as the rustup toolchain debian-web"
    rustup toolchain link debian-web /usr
  fi
  export RUSTUP_TOOLCHAIN=debian-web
  export RUSTC_BOOTSTRAP=1
  # Only the WASM build needs std built from source; scripts pass this to cargo-leptos alone.
  export CANOPY_WASM_BUILD_STD="std,panic_abort"
else
  export CANOPY_WASM_BUILD_STD=""
fi
echo "$toolchain" > "$CANOPY_STATE/toolchain"

# --- Build tools ---------------------------------------------------------------------------------
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; about 20 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# wasm-bindgen's CLI must match the library exactly; the workspace pins it with `=`.
wasm_bindgen_version="$(grep -A1 '^name = "wasm-bindgen"$' "$CANOPY_ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wasm_bindgen_version"; then
  say "Installing wasm-bindgen-cli $wasm_bindgen_version (once per machine; about 5 minutes)"
  # Not --locked: one of its locked dependencies is no longer in the registry.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

# --- Node tools: Tailwind, wasm-opt (binaryen), Playwright ---------------------------------------
command -v npm >/dev/null || apt_install nodejs npm
if [ ! -f "$CANOPY_ROOT/node_modules/.package-lock.json" ] \
   || [ "$CANOPY_ROOT/package-lock.json" -nt "$CANOPY_ROOT/node_modules/.package-lock.json" ]; then
  say "Installing npm packages"
  # Not `npm ci`: this registry does not serve Tailwind's binaries for other platforms, so the
  # lock cannot list them and `npm ci` refuses it. package.json pins exact versions, the lock is
  # honoured, and --no-save leaves both untouched.
  (cd "$CANOPY_ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --loglevel=error)
fi

# --- Browser and database for the tests ----------------------------------------------------------
[ -x /usr/bin/chromium ] || apt_install chromium
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
# The API reference samples run with Python's requests, installed into a venv by seed-samples.sh.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv

export CANOPY_ROOT

# The release build of server and WASM bundle, with build-std for the WASM where it is needed.
canopy_build() {
  if [ -n "$CANOPY_WASM_BUILD_STD" ]; then
    CARGO_UNSTABLE_BUILD_STD="$CANOPY_WASM_BUILD_STD" cargo leptos build --release "$@"
  else
    cargo leptos build --release "$@"
  fi
}

#!/usr/bin/env bash
# Installs what this machine lacks to build and run Canopy (`run`) or also to test it (`test`),
# and exports the environment the build needs. Idempotent: on a machine that has everything it
# returns in about a second. scripts/run.sh and scripts/test.sh source it
# (`source scripts/setup.sh run|test`); `bash scripts/setup.sh [run|test]` installs and exits;
# `bash scripts/setup.sh plan [run|test]` prints what it would do and changes nothing.
#
# It works in three steps, so that the decisions can be tested on their own
# (scripts/tests/setup-plan.sh):
#   1. setup_facts: looks at the machine (toolchain versions, the wasm32 standard library, the
#      tools present) and sets F_* variables;
#   2. setup_plan: from the F_* variables alone, decides which toolchain builds what and what to
#      install, and prints one line per decision with its reason (or one `setup: cannot …` line
#      and status 1, before anything long has started);
#   3. setup_apply: carries the plan out, one clear line per failed step.
#
# What a build needs: a Rust toolchain for the server and one with a wasm32-unknown-unknown
# standard library for the front end (rustup's target, or else Debian's Rust with its std source,
# built by cargo's build-std; ../shared/TOOLCHAIN.md), the wasm-bindgen CLI at exactly the
# version in Cargo.lock, Leptos's wasm-split CLI, and the npm tools (Tailwind, binaryen,
# esbuild). The build itself is scripts/build.sh; there is no cargo-leptos, whose locked dependencies need a newer
# Rust than machines come with and which took 20–30 minutes to compile.

CANOPY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CANOPY_STATE="$CANOPY_ROOT/.canopy"
export CANOPY_ROOT

# --- What the tools need -------------------------------------------------------------------------
# Canopy's own minimum Rust: the workspace's rust-version.
CANOPY_RUST_MIN="$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' "$CANOPY_ROOT/Cargo.toml" | head -n1)"
# The wasm-bindgen CLI must match the library exactly (the workspace pins it with `=`).
WASM_BINDGEN_VERSION="$(grep -A1 '^name = "wasm-bindgen"$' "$CANOPY_ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
# wasm-bindgen-cli's rust-version on crates.io, for the version above.
WASM_BINDGEN_RUST_MIN=1.86
# The splitter that cuts the front end into one module per route (what `cargo leptos --split`
# runs), pinned: it reads wasm-bindgen's output conventions, and this version is the one tested
# with the wasm-bindgen above (scripts/build.sh).
WASM_SPLIT_VERSION=0.2.4
DEBIAN_RUST_PACKAGES="rustc-web cargo-web rust-web-src rust-web-llvm lld-22"
# The Python packages of .canopy/venv, pinned: the samples' HTTP client and the contract fuzzer.
REQUESTS_VERSION=2.32.3
SCHEMATHESIS_VERSION=4.32.5

say() { printf '\033[1;32m==>\033[0m %s\n' "$*" >&2; }
setup_fail() { printf 'setup: %s\n' "$*" >&2; return 1; }

# ver_ge A B: A ≥ B as versions (1.96.0 ≥ 1.88).
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
# Whether a Debian package is installed. Not `dpkg -s`: that also succeeds for a package that was
# removed but left its configuration behind (state `rc`), as `apt-get remove` does.
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
# The x.y.z of a rustc or Debian version string ("rustc 1.95.0 (…)", "1.96.0+dfsg1-1~deb12u2").
rust_version_of() { grep -oE '[0-9]+\.[0-9]+\.[0-9]+' <<<"$1" | head -n1; }

# --- 1. Facts ------------------------------------------------------------------------------------
apt_lists_fresh=0
apt_candidate() {
  local version
  version="$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  if { [ -z "$version" ] || [ "$version" = "(none)" ]; } && [ $apt_lists_fresh -eq 0 ]; then
    apt_update >/dev/null 2>&1 || true
    version="$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  fi
  [ -n "$version" ] && [ "$version" != "(none)" ] && rust_version_of "$version" || echo none
}

setup_facts() {
  F_MODE="${1:-run}"
  F_RUSTUP=no; command -v rustup >/dev/null 2>&1 && F_RUSTUP=yes
  F_DEFAULT_RUST=none
  local version
  if version="$(env -u RUSTUP_TOOLCHAIN rustc --version 2>/dev/null)"; then
    F_DEFAULT_RUST="$(rust_version_of "$version")"
    [ -n "$F_DEFAULT_RUST" ] || F_DEFAULT_RUST=none
  fi

  # The default toolchain's wasm32 standard library: installed, or added now. rustup's download
  # server is out of reach on some machines, where `rustup target add` hangs: it gets 20 s, and a
  # failure is remembered per toolchain version so later runs do not wait again.
  F_WASM_TARGET=no
  if [ "$F_RUSTUP" = yes ] && [ "$F_DEFAULT_RUST" != none ]; then
    local remembered="$CANOPY_STATE/no-wasm-target-$F_DEFAULT_RUST"
    if env -u RUSTUP_TOOLCHAIN rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
      F_WASM_TARGET=yes
    elif [ ! -f "$remembered" ]; then
      say "Trying rustup target add wasm32-unknown-unknown (20 s at most)"
      if env -u RUSTUP_TOOLCHAIN timeout 20 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
        F_WASM_TARGET=yes
      else
        mkdir -p "$CANOPY_STATE" && : >"$remembered"
      fi
    fi
  fi

  # Debian's Rust: its version when all of its packages are installed, else none; and what apt
  # offers, looked up only when it may be needed (that may run apt-get update).
  F_DEBIAN_RUST=none
  local pkg all_debian=yes
  for pkg in $DEBIAN_RUST_PACKAGES; do pkg_installed "$pkg" || all_debian=no; done
  if [ $all_debian = yes ]; then
    F_DEBIAN_RUST="$(rust_version_of "$(dpkg-query -W -f='${Version}' rustc-web)")"
  fi
  F_DEBIAN_CANDIDATE=unknown
  if [ "$F_DEBIAN_RUST" = none ]; then
    if [ "$F_WASM_TARGET" = no ] || [ "$F_DEFAULT_RUST" = none ] || ! ver_ge "$F_DEFAULT_RUST" "$CANOPY_RUST_MIN"; then
      F_DEBIAN_CANDIDATE="$(apt_candidate rustc-web)"
    fi
  fi
  F_DEBIAN_LINKED=no
  if [ "$F_RUSTUP" = yes ] && rustup toolchain list 2>/dev/null | grep -q '^debian-web'; then F_DEBIAN_LINKED=yes; fi

  F_WASM_BINDGEN_WANT="$WASM_BINDGEN_VERSION"
  F_WASM_BINDGEN=none
  if version="$(PATH="$HOME/.cargo/bin:$PATH" wasm-bindgen --version 2>/dev/null)"; then
    F_WASM_BINDGEN="$(rust_version_of "$version")"
    [ -n "$F_WASM_BINDGEN" ] || F_WASM_BINDGEN=none
  fi

  F_WASM_SPLIT=none
  version="$(PATH="$HOME/.cargo/bin:$PATH" cargo install --list 2>/dev/null | sed -n 's/^wasm_split_cli_support v\([0-9.]*\):$/\1/p')"
  [ -n "$version" ] && PATH="$HOME/.cargo/bin:$PATH" command -v wasm-split-cli >/dev/null 2>&1 && F_WASM_SPLIT="$version"

  F_NPM=no; command -v npm >/dev/null 2>&1 && F_NPM=yes
  F_NODE_MODULES=missing
  if [ -f "$CANOPY_ROOT/node_modules/.package-lock.json" ]; then
    F_NODE_MODULES=current
    if [ "$CANOPY_ROOT/package-lock.json" -nt "$CANOPY_ROOT/node_modules/.package-lock.json" ]; then F_NODE_MODULES=stale; fi
  fi

  F_CHROMIUM=no; [ -x /usr/bin/chromium ] && F_CHROMIUM=yes
  F_POSTGRES=no; ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && F_POSTGRES=yes
  F_SQLITE3=no; [ -x /usr/bin/sqlite3 ] && F_SQLITE3=yes
  F_PYTHON_VENV=no; python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && F_PYTHON_VENV=yes
  # The venv holds requests (the API reference's samples) and schemathesis at its pinned version
  # (scripts/fuzz.sh); an older venv without either is made again.
  F_SAMPLES_VENV=no
  if "$CANOPY_STATE/venv/bin/python" -c "import requests, importlib.metadata as m; assert m.version('schemathesis') == '$SCHEMATHESIS_VERSION'" >/dev/null 2>&1; then
    F_SAMPLES_VENV=yes
  fi
  return 0
}

# --- 2. The plan ---------------------------------------------------------------------------------
# plan_cargo_tool VAR TOOL WANT HAVE DURATION: inside setup_plan (it reads its locals), when TOOL
# is not at version WANT, sets VAR to the toolchain that installs it (the default when new
# enough, else Debian's, which may then need installing and linking) and prints the decision.
# Both tools need Rust ≥ WASM_BINDGEN_RUST_MIN.
plan_cargo_tool() {
  local var="$1" tool="$2" want="$3" found="$4" duration="$5"
  [ "$found" = "$want" ] && return 0
  installs=$((installs + 1))
  local have="none installed"; [ "$found" != none ] && have="$found installed"
  if [ "$F_DEFAULT_RUST" != none ] && ver_ge "$F_DEFAULT_RUST" "$WASM_BINDGEN_RUST_MIN"; then
    printf -v "$var" default
    echo "setup: install $tool $want with $default_label ($have; about $duration, beside the build); it needs ≥ $WASM_BINDGEN_RUST_MIN"
  elif [ $debian_ok = yes ] && ver_ge "$debian_version" "$WASM_BINDGEN_RUST_MIN"; then
    printf -v "$var" debian
    if [ "$F_DEBIAN_RUST" = none ] && [ "$P_DEBIAN_APT" = no ]; then
      P_DEBIAN_APT=yes
      echo "setup: install Debian's $DEBIAN_RUST_PACKAGES (apt, about 2 minutes): Rust $debian_version"
    fi
    if [ "$F_DEBIAN_LINKED" != yes ]; then P_DEBIAN_LINK=yes; fi
    echo "setup: install $tool $want with $debian_label ($have; about $duration, beside the build); it needs ≥ $WASM_BINDGEN_RUST_MIN, and the default is $F_DEFAULT_RUST"
  else
    setup_fail "cannot install $tool $want: it needs Rust ≥ $WASM_BINDGEN_RUST_MIN and no toolchain here is (run \`rustup update stable\`)"
    return 1
  fi
}

# Reads only F_* (see setup_facts) and the requirements above. Sets P_* for setup_apply and
# prints each decision as one `setup: …` line. The toolchain phrases are "rustup default (Rust
# X)" and "Debian's rust-web (Rust X)", which scripts/tests/setup-plan.sh checks against the
# "needs ≥ Y" on the same line.
setup_plan() {
  P_PROJECT=""; P_WASM=""; P_WASM_BUILD_STD=""; P_WASM_BINDGEN=""; P_WASM_SPLIT=""; P_DEBIAN_APT=no; P_DEBIAN_LINK=no
  P_NPM=no; P_NPM_APT=no; P_CHROMIUM=no; P_POSTGRES=no; P_SQLITE3=no; P_PYTHON_VENV_APT=no; P_SAMPLES_VENV=no
  local installs=0
  # Debian's Rust: the installed one, or else the one apt would install.
  local debian_version="$F_DEBIAN_RUST"
  if [ "$debian_version" = none ]; then
    case "$F_DEBIAN_CANDIDATE" in unknown|none) ;; *) debian_version="$F_DEBIAN_CANDIDATE" ;; esac
  fi
  local default_label="rustup default (Rust $F_DEFAULT_RUST)" debian_label="Debian's rust-web (Rust $debian_version)"
  local default_ok=no debian_ok=no
  if [ "$F_DEFAULT_RUST" != none ] && ver_ge "$F_DEFAULT_RUST" "$CANOPY_RUST_MIN"; then default_ok=yes; fi
  if [ "$F_RUSTUP" = yes ] && [ "$debian_version" != none ] && ver_ge "$debian_version" "$CANOPY_RUST_MIN"; then debian_ok=yes; fi

  # Canopy's server and tests.
  if [ $default_ok = yes ]; then
    P_PROJECT=default
    echo "setup: Canopy's server and tests build with $default_label; Canopy needs ≥ $CANOPY_RUST_MIN"
  elif [ $debian_ok = yes ]; then
    P_PROJECT=debian
    echo "setup: Canopy's server and tests build with $debian_label; Canopy needs ≥ $CANOPY_RUST_MIN, and the default is $F_DEFAULT_RUST"
  else
    setup_fail "cannot build Canopy: it needs Rust ≥ $CANOPY_RUST_MIN, the default toolchain is $F_DEFAULT_RUST and apt offers no rustc-web (run \`rustup update stable\`, or \`apt-get update\` and try again)"
    return 1
  fi

  # The WASM front end.
  if [ $default_ok = yes ] && [ "$F_WASM_TARGET" = yes ]; then
    P_WASM=default
    echo "setup: the WASM front end builds with $default_label, which has the wasm32-unknown-unknown standard library; Canopy needs ≥ $CANOPY_RUST_MIN"
  elif [ $debian_ok = yes ]; then
    P_WASM=debian; P_WASM_BUILD_STD="std,panic_abort"
    echo "setup: the WASM front end builds with $debian_label, its standard library from source (build-std); the default has no wasm32-unknown-unknown target and rustup cannot add it here; Canopy needs ≥ $CANOPY_RUST_MIN"
  else
    setup_fail "cannot build the WASM front end: $F_DEFAULT_RUST has no wasm32-unknown-unknown standard library, rustup cannot add it, and apt offers no rustc-web ≥ $CANOPY_RUST_MIN (run \`rustup target add wasm32-unknown-unknown\` where rustup's server is reachable, or \`apt-get update\` and try again)"
    return 1
  fi

  if { [ "$P_PROJECT" = debian ] || [ "$P_WASM" = debian ]; }; then
    if [ "$F_DEBIAN_RUST" = none ]; then
      P_DEBIAN_APT=yes; installs=$((installs + 1))
      echo "setup: install Debian's $DEBIAN_RUST_PACKAGES (apt, about 2 minutes): Rust $debian_version with its standard library's source"
    fi
    if [ "$F_DEBIAN_LINKED" != yes ]; then
      P_DEBIAN_LINK=yes
      echo "setup: link Debian's Rust as the rustup toolchain debian-web"
    fi
  fi

  # The WASM tools cargo installs: the wasm-bindgen CLI at exactly the library's version, and
  # Leptos's wasm-split CLI at its pin.
  plan_cargo_tool P_WASM_BINDGEN wasm-bindgen-cli "$F_WASM_BINDGEN_WANT" "$F_WASM_BINDGEN" "8 minutes" || return 1
  plan_cargo_tool P_WASM_SPLIT wasm-split-cli "$WASM_SPLIT_VERSION" "$F_WASM_SPLIT" "2 minutes" || return 1

  # npm tools: Tailwind, binaryen's wasm-opt, esbuild, and Playwright's test runner (a package
  # without a browser; the browser is Debian's Chromium, a test need).
  if [ "$F_NODE_MODULES" != current ]; then
    P_NPM=yes; installs=$((installs + 1))
    [ "$F_NPM" = yes ] || { P_NPM_APT=yes; echo "setup: install Debian's nodejs and npm (apt)"; }
    echo "setup: install the npm packages of package-lock.json (node_modules is $F_NODE_MODULES): tailwindcss, binaryen, esbuild, @playwright/test, @axe-core/playwright"
  fi

  # Test needs only.
  if [ "$F_MODE" = test ]; then
    [ "$F_CHROMIUM" = yes ] || { P_CHROMIUM=yes; installs=$((installs + 1)); echo "setup: install Debian's chromium (apt): the browser of the Playwright suite"; }
    [ "$F_POSTGRES" = yes ] || { P_POSTGRES=yes; installs=$((installs + 1)); echo "setup: install Debian's postgresql (apt): the server of the PostgreSQL suite"; }
    # An older SQLite than the bundled one, as operators have it: the database files the server
    # writes must pass its integrity_check too (server/tests/it/portable_schema.rs).
    [ "$F_SQLITE3" = yes ] || { P_SQLITE3=yes; installs=$((installs + 1)); echo "setup: install Debian's sqlite3 (apt): the system SQLite that checks the database files the server writes"; }
    if [ "$F_SAMPLES_VENV" != yes ]; then
      [ "$F_PYTHON_VENV" = yes ] || { P_PYTHON_VENV_APT=yes; echo "setup: install Debian's python3-venv (apt): for the samples' venv"; }
      P_SAMPLES_VENV=yes; installs=$((installs + 1))
      echo "setup: make .canopy/venv with requests $REQUESTS_VERSION and schemathesis $SCHEMATHESIS_VERSION (PyPI): the API reference's Python samples and the contract fuzzing"
    fi
  fi

  [ $installs -gt 0 ] || echo "setup: nothing to install"
  return 0
}

# --- 3. Carrying it out --------------------------------------------------------------------------
apt_update() {
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && apt_lists_fresh=1
}

# step NAME HINT COMMAND...: runs COMMAND with its output in .canopy/logs/NAME.log; on failure
# prints one line with the step, the first error in the log and what to do, and returns 1.
step() {
  local name="$1" hint="$2"; shift 2
  mkdir -p "$CANOPY_STATE/logs"
  local log="$CANOPY_STATE/logs/$name.log" started=$SECONDS
  if "$@" >"$log" 2>&1; then
    say "$name: done in $((SECONDS - started)) s"
    return 0
  fi
  local cause
  cause="$(grep -m1 -iE '^(error|E:)|error:|failed|not found|unable' "$log" | cut -c1-200)"
  [ -n "$cause" ] || cause="$(tail -n1 "$log" | cut -c1-200)"
  setup_fail "$name failed after $((SECONDS - started)) s: ${cause:-no output}. $hint Full log: $log"
}

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do pkg_installed "$pkg" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  [ $apt_lists_fresh -eq 1 ] || apt_update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

install_wasm_bindgen() {
  # Not --locked: one of its locked dependencies is no longer in the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  local got; got="$(rust_version_of "$(wasm-bindgen --version)")"
  [ "$got" = "$WASM_BINDGEN_VERSION" ] || { echo "error: installed wasm-bindgen is $got, not $WASM_BINDGEN_VERSION"; return 1; }
}

install_wasm_split() {
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
}

npm_install() {
  # Not `npm ci`: this registry does not serve Tailwind's binaries for other platforms, so the
  # lock cannot list them and `npm ci` refuses it. package.json pins exact versions, the lock is
  # honoured, and --no-save leaves both untouched.
  (cd "$CANOPY_ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --loglevel=error)
}

make_samples_venv() {
  rm -rf "$CANOPY_STATE/venv"
  python3 -m venv "$CANOPY_STATE/venv"
  "$CANOPY_STATE/venv/bin/pip" install --disable-pip-version-check "requests==$REQUESTS_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
}

# with_toolchain default|debian COMMAND...: runs COMMAND with that toolchain's cargo and rustc.
with_toolchain() {
  local toolchain="$1"; shift
  (
    if [ "$toolchain" = debian ]; then export RUSTUP_TOOLCHAIN=debian-web; else unset RUSTUP_TOOLCHAIN; fi
    "$@"
  )
}

setup_apply() {
  mkdir -p "$CANOPY_STATE"
  if [ "$P_DEBIAN_APT" = yes ]; then
    say "Installing Debian's Rust ($DEBIAN_RUST_PACKAGES)"
    step "apt-rust-web" "Check that apt can reach Debian's packages (apt-get update)." apt_install $DEBIAN_RUST_PACKAGES || return 1
    local got; got="$(rust_version_of "$(/usr/bin/rustc --version 2>/dev/null)")"
    ver_ge "${got:-0}" "$CANOPY_RUST_MIN" || { setup_fail "Debian's rustc is ${got:-missing}, older than the $CANOPY_RUST_MIN Canopy needs"; return 1; }
  fi
  if [ "$P_DEBIAN_LINK" = yes ]; then
    step "rustup-link" "Link it by hand: rustup toolchain link debian-web /usr." rustup toolchain link debian-web /usr || return 1
  fi
  if [ "$P_NPM_APT" = yes ]; then
    step "apt-nodejs" "Install Node.js 20 and npm." apt_install nodejs npm || return 1
  fi
  if [ "$P_NPM" = yes ]; then
    say "Installing the npm packages"
    step "npm-install" "Check that the npm registry answers (npm ping)." npm_install || return 1
  fi
  if [ "$P_CHROMIUM" = yes ]; then
    say "Installing Debian's Chromium (for the Playwright suite)"
    step "apt-chromium" "Check that apt can reach Debian's packages." apt_install chromium || return 1
  fi
  if [ "$P_POSTGRES" = yes ]; then
    say "Installing Debian's PostgreSQL server (for the PostgreSQL suite)"
    step "apt-postgresql" "Check that apt can reach Debian's packages." apt_install postgresql || return 1
  fi
  if [ "$P_SQLITE3" = yes ]; then
    step "apt-sqlite3" "Check that apt can reach Debian's packages." apt_install sqlite3 || return 1
  fi
  if [ "$P_PYTHON_VENV_APT" = yes ]; then
    step "apt-python3-venv" "Check that apt can reach Debian's packages." apt_install python3-venv || return 1
  fi
  if [ "$P_SAMPLES_VENV" = yes ]; then
    step "samples-venv" "Check that PyPI answers (pip index versions schemathesis)." make_samples_venv || return 1
  fi
  # Last, as they are the long ones: wasm-bindgen-cli and wasm-split-cli compile in the
  # background, one after the other, while the build compiles the front end and the server
  # (scripts/build.sh waits for them before it needs them).
  if [ -n "$P_WASM_BINDGEN" ] || [ -n "$P_WASM_SPLIT" ]; then
    say "Building the WASM tools in the background (logs: .canopy/logs/wasm-bindgen-cli.log, wasm-split-cli.log)"
    (
      if [ -n "$P_WASM_BINDGEN" ]; then
        with_toolchain "$P_WASM_BINDGEN" step "wasm-bindgen-cli" \
          "Retry; if it is a compile error, \`rustup update stable\`." install_wasm_bindgen || exit 1
      fi
      if [ -n "$P_WASM_SPLIT" ]; then
        with_toolchain "$P_WASM_SPLIT" step "wasm-split-cli" \
          "Retry; if it is a compile error, \`rustup update stable\`." install_wasm_split || exit 1
      fi
    ) &
    CANOPY_WASM_BINDGEN_PID=$!
  fi
  return 0
}

# setup_wait: waits for the background build of the WASM tools, if any.
setup_wait() {
  [ -n "${CANOPY_WASM_BINDGEN_PID:-}" ] || return 0
  local pid=$CANOPY_WASM_BINDGEN_PID; CANOPY_WASM_BINDGEN_PID=""
  wait "$pid"
}

# The build's environment: which toolchain builds what (read by scripts/build.sh).
setup_export() {
  export CANOPY_PROJECT_TOOLCHAIN="$P_PROJECT" CANOPY_WASM_TOOLCHAIN="$P_WASM" CANOPY_WASM_BUILD_STD="$P_WASM_BUILD_STD"
  export PATH="$CANOPY_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  # cargo run by hand after sourcing this uses the project's toolchain.
  if [ "$P_PROJECT" = debian ]; then export RUSTUP_TOOLCHAIN=debian-web; fi
}

# setup MODE: facts, plan (printed), apply, export.
setup() {
  local mode="${1:-run}"
  case "$mode" in run|test) ;; *) setup_fail "unknown mode '$mode' (run or test)"; return 2 ;; esac
  export PATH="$HOME/.cargo/bin:$PATH"
  setup_facts "$mode"
  setup_plan >&2 || return 1
  setup_apply || return 1
  setup_export
}

# Sourced with CANOPY_SETUP_LIB=1 (the plan's tests): only the functions above.
[ "${CANOPY_SETUP_LIB:-}" = 1 ] && return 0

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  if [ "${1:-}" = plan ]; then
    setup_facts "${2:-run}"
    setup_plan
    exit $?
  fi
  setup "${1:-run}" || exit 1
  setup_wait || exit 1
else
  setup "${1:-run}" || return 1
fi

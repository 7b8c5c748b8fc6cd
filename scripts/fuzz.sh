#!/usr/bin/env bash
# Fuzzes the served OpenAPI document with schemathesis (in .canopy/venv, which
# `bash scripts/setup.sh test` makes) against a demo server from the release binary (build it
# first: scripts/test.sh does). The test command's bounded run: 10 test cases per operation and
# phase at most, a fixed seed, about two minutes. Options go to scripts/fuzz.py (--examples,
# --seed, --report-dir); scripts/fuzz-long.sh is the longer run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.canopy/venv"
if ! [ -x "$venv/bin/schemathesis" ]; then
  echo "fuzz: .canopy/venv has no schemathesis; run: bash scripts/setup.sh test" >&2
  exit 1
fi
exec "$venv/bin/python" "$root/scripts/fuzz.py" --start "${CANOPY_BINARY:-$root/target/release/canopy}" --examples 10 "$@"

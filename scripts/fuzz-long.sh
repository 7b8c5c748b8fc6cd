#!/usr/bin/env bash
# The longer fuzzing run, by hand: scripts/fuzz.sh with 100 test cases per operation and phase
# (about ten times the test command's), another seed unless given. Build the release binary
# first (scripts/build.sh); reports go to target/fuzz-long/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/scripts/fuzz.sh" --examples 100 --seed "${FUZZ_SEED:-7}" --report-dir "$root/target/fuzz-long" "$@"

#!/usr/bin/env bash
# Runs the API reference pages' curl and Python samples against a demo server started from the
# release binary (build it first: scripts/test.sh does). Python's `requests` is in .canopy/venv,
# which `bash scripts/setup.sh test` makes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.canopy/venv"
if ! "$venv/bin/python" -c 'import requests' 2>/dev/null; then
  echo "seed-samples: .canopy/venv has no requests; run: bash scripts/setup.sh test" >&2
  exit 1
fi
exec "$venv/bin/python" "$root/scripts/seed_samples.py" --start "$root/target/release/canopy" "$@"

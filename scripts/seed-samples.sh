#!/usr/bin/env bash
# Runs the API reference pages' curl and Python samples against a demo server started from the
# release binary (build it first: scripts/test.sh does). Python's `requests` comes from PyPI into
# .canopy/venv, once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.canopy/venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import requests' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'requests==2.32.3'
fi
exec "$venv/bin/python" "$root/scripts/seed_samples.py" --start "$root/target/release/canopy" "$@"

#!/usr/bin/env bash
# Quick start, command 1: install what running needs (scripts/setup.sh run), build
# (scripts/build.sh), and serve Canopy on SQLite with the demo data at http://127.0.0.1:3000
# (override with LEPTOS_SITE_ADDR, DATABASE_URL).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" run
source "$CANOPY_ROOT/scripts/build.sh"
cd "$CANOPY_ROOT"

canopy_build

export DATABASE_URL="${DATABASE_URL:-sqlite://data/canopy.db}"
exec target/release/canopy serve --demo

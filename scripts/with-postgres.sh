#!/usr/bin/env bash
# Runs the given command with TEST_DATABASE_URL pointing at PostgreSQL: the one already named by
# TEST_DATABASE_URL, or a throwaway cluster started here (initdb in a temporary directory, on a
# free loopback port) and removed when the command ends. PostgreSQL refuses to run as root, so as
# root the cluster runs as `nobody`.
set -euo pipefail

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
[ -x "$bin/initdb" ] || { echo "with-postgres: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

dir="$(mktemp -d /tmp/canopy-pg.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then su -s /bin/bash nobody -c "$1"; else bash -c "$1"; fi
}

cleanup() {
  as_owner "'$bin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] && chown nobody "$dir"
as_owner "'$bin/initdb' -D '$dir/data' -U postgres -A trust --no-sync" >/dev/null
# Durability is pointless for a throwaway test cluster; skipping it makes the suite much faster.
as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >/dev/null

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status

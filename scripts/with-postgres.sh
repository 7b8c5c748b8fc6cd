#!/usr/bin/env bash
# Runs the given command with TEST_DATABASE_URL pointing at PostgreSQL, for the storage contract
# and the other integration tests:
#   bash scripts/with-postgres.sh cargo test -p server --test it
# When TEST_DATABASE_URL is already set it just runs the command against that server. Otherwise
# it starts a throwaway cluster (initdb in a temporary directory, trust auth, loopback only, on a
# free port, durability off), runs the command, stops the cluster and removes the directory
# whatever happens, and exits with the command's status. PostgreSQL refuses to run as root, so
# as root (CI) the cluster is owned by and runs as `nobody`.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

# PostgreSQL 15 is what the machines install; a newer one also works.
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
  exit 1
fi

# A port nothing listens on (a refused connection), from the range above the usual services.
port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
if [ -z "$port" ]; then
  echo "with-postgres: found no free port" >&2
  exit 1
fi

dir="$(mktemp -d /tmp/canopy-pg.XXXXXX)"

# Runs a shell command as the cluster's owner, from the cluster directory (the caller's working
# directory may be unreadable for `nobody`).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    su -s /bin/bash nobody -c "cd '$dir' && $1"
  else
    (cd "$dir" && bash -c "$1")
  fi
}

cleanup() {
  as_owner "'$bin/pg_ctl' -D '$dir/data' -m immediate -w stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$dir"
fi
as_owner "'$bin/initdb' -D '$dir/data' -U postgres -A trust --no-sync" >/dev/null
# Durability is pointless for a throwaway cluster; without it the suite runs much faster.
# max_connections: every test opens its own pool.
options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
if ! as_owner "'$bin/pg_ctl' -D '$dir/data' -o '$options' -l '$dir/log' -w start" >/dev/null; then
  echo "with-postgres: the cluster did not start; its log:" >&2
  cat "$dir/log" >&2 || true
  exit 1
fi

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

set +e
"$@"
status=$?
set -e
exit "$status"

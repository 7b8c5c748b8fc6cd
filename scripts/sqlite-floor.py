#!/usr/bin/env python3
"""What SQLite alone costs for issue 3's bulk-create: a lower bound under the HTTP figure.

    python3 scripts/sqlite-floor.py [--rows 1000000] [--batch 10000] [--runs 5] [--dir /tmp]

For each table layout below it builds an `assignments` table of `--rows` rows (100,000
identities, 2,000 nodes, 3 roles, unique (identity, node, role), time-ordered UUIDv7-like ids as
the server makes), then times `--runs` transactions that each insert `--batch` new rows with one
prepared statement (SQLite's own loop in C, through Python's stdlib `sqlite3`), split into the
INSERTs and the COMMIT. The connection uses the store's settings (WAL, synchronous=NORMAL, 32 MiB
cache, no automatic checkpoint; the WAL is checkpointed between runs as the server's background
checkpointer does).

Nothing else the endpoint does is in these figures: no foreign-key checks, no audit rows, no
look-ups, no JSON, no HTTP. So each layout's total is a floor for an end-to-end bulk-create on
that layout.

Layouts:
  canopy    the assignments table of migrations/sqlite (after 0002): TEXT UUID keys, the
            (identity, node, role) unique index and the three list indexes
  unique    TEXT UUID keys, primary key and the unique index only (no list indexes)
  int-lean  integer surrogate keys for identity, node, role and environment, the same four
            indexes on them (only the primary key stays a TEXT UUID)
  int-lean+audit
            int-lean, plus the audit row every created assignment gets (the audit_events table
            of migrations/sqlite with its indexes and JSON checks; an `after` document the size
            of the server's), in the same transaction
  none      no index at all but the rowid
"""
import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid

COLUMNS = "id, environment_id, identity_id, node_id, role_id, effective_from, effective_to, created_at, updated_at"

LAYOUTS = {
    "canopy": """
        CREATE TABLE assignments (
            id TEXT NOT NULL, environment_id TEXT NOT NULL, identity_id TEXT NOT NULL,
            node_id TEXT NOT NULL, role_id TEXT NOT NULL, effective_from BIGINT, effective_to BIGINT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            CONSTRAINT assignments_pkey PRIMARY KEY (id),
            CONSTRAINT assignments_triple_key UNIQUE (identity_id, node_id, role_id));
        CREATE INDEX assignments_env_created_idx ON assignments (environment_id, created_at, id);
        CREATE INDEX assignments_role_created_idx ON assignments (role_id, created_at, id);
        CREATE INDEX assignments_node_idx ON assignments (node_id);""",
    "unique": """
        CREATE TABLE assignments (
            id TEXT NOT NULL, environment_id TEXT NOT NULL, identity_id TEXT NOT NULL,
            node_id TEXT NOT NULL, role_id TEXT NOT NULL, effective_from BIGINT, effective_to BIGINT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            PRIMARY KEY (id), UNIQUE (identity_id, node_id, role_id));""",
    "int-lean": """
        CREATE TABLE assignments (
            id TEXT NOT NULL, environment_id INTEGER NOT NULL, identity_id INTEGER NOT NULL,
            node_id INTEGER NOT NULL, role_id INTEGER NOT NULL, effective_from BIGINT, effective_to BIGINT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            PRIMARY KEY (id), UNIQUE (identity_id, node_id, role_id));
        CREATE INDEX assignments_env_created_idx ON assignments (environment_id, created_at);
        CREATE INDEX assignments_role_created_idx ON assignments (role_id, created_at);
        CREATE INDEX assignments_node_idx ON assignments (node_id);""",
    "int-lean+audit": "",
    "none": """
        CREATE TABLE assignments (
            id TEXT NOT NULL, environment_id TEXT NOT NULL, identity_id TEXT NOT NULL,
            node_id TEXT NOT NULL, role_id TEXT NOT NULL, effective_from BIGINT, effective_to BIGINT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);""",
}

AUDIT_TABLE = """
    CREATE TABLE audit_events (
        id TEXT NOT NULL, account_id TEXT NOT NULL, environment_id TEXT, actor_type TEXT NOT NULL,
        actor_id TEXT, action TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT,
        before_state TEXT CHECK (before_state IS NULL OR json_valid(before_state)),
        after_state TEXT CHECK (after_state IS NULL OR json_valid(after_state)),
        request_id TEXT, created_at BIGINT NOT NULL,
        PRIMARY KEY (id), CHECK (actor_type IN ('admin', 'api_key', 'identity', 'system')));
    CREATE INDEX audit_events_account_created_idx ON audit_events (account_id, created_at);
    CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);"""
AUDIT_COLUMNS = "id, account_id, environment_id, actor_type, actor_id, action, target_type, target_id, before_state, after_state, request_id, created_at"

STORE_PRAGMAS = ["journal_mode=WAL", "synchronous=NORMAL", "cache_size=-32768", "temp_store=memory", "wal_autocheckpoint=0"]


def uuid7(rng, millis):
    """A UUIDv7-shaped id: 48 bits of milliseconds, then random bits (version bits not set)."""
    return str(uuid.UUID(int=(millis << 80) | rng.getrandbits(80)))


def audit_row(rng, row):
    """The audit event of one created assignment, shaped and sized like the server's."""
    after = (
        f'{{"id":"{row[0]}","identity_id":"{uuid.UUID(int=rng.getrandbits(128))}","application_node_id":"{uuid.UUID(int=rng.getrandbits(128))}",'
        f'"role_id":"{uuid.UUID(int=rng.getrandbits(128))}","effective_from":null,"effective_to":null,'
        f'"created_at":"2026-11-23T11:00:00.000Z","updated_at":"2026-11-23T11:00:00.000Z"}}'
    )
    account = "0197a1b2-0000-7000-8000-000000000001"
    environment = "0197a1b2-0000-7000-8000-000000000002"
    return (uuid7(rng, row[7]), account, environment, "api_key", "0197a1b2-0000-7000-8000-000000000003", "assignment.create", "assignment", row[0], None, after, "bench", row[7])


def run_layout(name, args, rng):
    integer = name.startswith("int-lean")
    audit = name.endswith("+audit")
    key = (lambda i: i) if integer else (lambda i: str(uuid.UUID(int=rng.getrandbits(128))))
    identities = [key(i) for i in range(100_000)]
    nodes = [key(i) for i in range(2_000)]
    roles = [key(i) for i in range(3)]
    environment = 1 if integer else str(uuid.UUID(int=rng.getrandbits(128)))
    taken = set()

    def fresh(count, millis):
        rows = []
        while len(rows) < count:
            triple = (rng.randrange(len(identities)), rng.randrange(len(nodes)), rng.randrange(len(roles)))
            if triple in taken:
                continue
            taken.add(triple)
            i, n, r = triple
            millis += 1
            rows.append((uuid7(rng, millis), environment, identities[i], nodes[n], roles[r], None, None, millis, millis))
        return rows

    path = os.path.join(args.dir, f"canopy-sqlite-floor-{name}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in STORE_PRAGMAS:
        db.execute("PRAGMA " + pragma)
    db.execute(f"PRAGMA cache_size=-{args.cache_mib * 1024}")
    db.executescript(LAYOUTS["int-lean"] if audit else LAYOUTS[name])
    if audit:
        db.executescript(AUDIT_TABLE)
    started = time.perf_counter()
    base = 1_700_000_000_000
    db.execute("BEGIN")
    for chunk in range(0, args.rows, 100_000):
        db.executemany(f"INSERT INTO assignments ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", fresh(min(100_000, args.rows - chunk), base + chunk))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    built = time.perf_counter() - started

    inserts, commits = [], []
    for run in range(args.runs + 1):
        rows = fresh(args.batch, base + 10 * args.rows + run * 2 * args.batch)
        events = [audit_row(rng, row) for row in rows] if audit else []
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(f"INSERT INTO assignments ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        if audit:
            db.executemany(f"INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", events)
        middle = time.perf_counter()
        db.execute("COMMIT")
        ended = time.perf_counter()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if run > 0:  # run 0 warms the cache
            inserts.append(1000 * (middle - started))
            commits.append(1000 * (ended - middle))
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    totals = [i + c for i, c in zip(inserts, commits)]
    print(
        f"{name:9s} {args.rows:>9,} rows (built in {built:5.1f} s)   insert {statistics.median(inserts):6.1f}   "
        f"commit {statistics.median(commits):6.1f}   total {statistics.median(totals):6.1f} ms "
        f"(min {min(totals):.1f}, max {max(totals):.1f})",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache-mib", type=int, default=32, help="page cache (the store uses 32)")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}; {args.batch:,} rows a transaction, median of {args.runs} runs after one warm-up, {args.cache_mib} MiB page cache")
    rng = random.Random(20261123)
    for name in args.layouts.split(","):
        run_layout(name, args, rng)


if __name__ == "__main__":
    main()

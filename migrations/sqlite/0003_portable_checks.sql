-- The audit log's JSON CHECKs, written so that every SQLite version agrees with them.
--
-- 0001 wrote them as CHECK (json_valid(before_state)). A create has no before state and a delete
-- no after state, so the server stores NULL there. Since SQLite 3.45 json_valid(NULL) is NULL,
-- which a CHECK accepts; before it, it is 0. So SQLite 3.40 (Debian 12's sqlite3) reports every
-- database Canopy has written as damaged (`PRAGMA integrity_check`: CHECK constraint failed in
-- audit_events), and could not write a create or a delete to it. The constraints now say what
-- was meant, with the same names: NULL, or valid JSON text.
--
-- No other CHECK depends on the version: the rest read NOT NULL columns, and
-- assignments_window_check tests its nullable columns with IS NULL itself. The schema has no
-- partial or expression indexes, generated columns, triggers or views.
--
-- SQLite cannot alter a CHECK, so the table is rebuilt the way SQLite's ALTER TABLE page says:
-- create the new table, copy, drop the old one, rename the new one, recreate the indexes (there
-- are no triggers or views to recreate). sqlx runs this file in one transaction, so a failure
-- leaves 0002's table as it was. PRAGMA foreign_keys is a no-op inside a transaction, and need not
-- change: no table references audit_events, so dropping it cascades nowhere, and the copied rows
-- satisfy audit_events_account_fkey already. The copy is one pass over the log, once: measured at
-- 1,000,000 events (a 450 MB file), about 10 s, and the file keeps the old table's pages as free
-- pages (SQLite reuses them; VACUUM gives them back).
--
-- 0001 itself stays as it is: existing databases have recorded its checksum, and sqlx refuses to
-- start on a database whose applied migration has changed.

CREATE TABLE audit_events_portable (
    id              TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    environment_id  TEXT,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT,
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       TEXT,
    before_state    TEXT CONSTRAINT audit_events_before_check CHECK (before_state IS NULL OR json_valid(before_state)), -- dialect
    after_state     TEXT CONSTRAINT audit_events_after_check CHECK (after_state IS NULL OR json_valid(after_state)), -- dialect
    request_id      TEXT,
    created_at      BIGINT NOT NULL,
    CONSTRAINT audit_events_pkey PRIMARY KEY (id),
    CONSTRAINT audit_events_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT audit_events_actor_check CHECK (actor_type IN ('admin', 'api_key', 'identity', 'system'))
);

INSERT INTO audit_events_portable
    (id, account_id, environment_id, actor_type, actor_id, action, target_type, target_id, before_state, after_state, request_id, created_at)
SELECT id, account_id, environment_id, actor_type, actor_id, action, target_type, target_id, before_state, after_state, request_id, created_at
FROM audit_events;

DROP TABLE audit_events;
ALTER TABLE audit_events_portable RENAME TO audit_events;

CREATE INDEX audit_events_account_created_idx ON audit_events (account_id, created_at);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);

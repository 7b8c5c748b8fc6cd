-- The change feed (server/src/feed.rs): every write's audit events are written in the write's
-- own transaction, so they already are the feed; what PostgreSQL lacks is an order in which
-- readers can follow them without skipping any. A sequence number is assigned when a row is
-- inserted, not when its transaction commits: a transaction that commits after a later-numbered
-- one would be skipped by a reader that has moved past it. So each event records the id of the
-- transaction that wrote it, and a reader keeps the snapshot it last read at and asks for the
-- events visible now but not in that snapshot (the method of SpiceDB's PostgreSQL datastore).
-- A long-open transaction does not stall the feed: its events appear when it commits.
-- Rows written before this migration all carry this migration's transaction id.
ALTER TABLE audit_events ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX audit_events_xact_idx ON audit_events (xact_id);

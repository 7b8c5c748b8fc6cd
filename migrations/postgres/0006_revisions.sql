-- Which database this is: `Canopy-Revision` tokens name it, so a token of another database is
-- refused rather than compared with this one's revisions. One row (`one` is always 1, so two
-- servers starting at once on a new database agree on it), written by the first server to start
-- (store::Store::migrate).
CREATE TABLE database_identity (
    one         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT database_identity_pkey PRIMARY KEY (one),
    CONSTRAINT database_identity_one_check CHECK (one = 1)
);

-- The application an application-wide event (an identity's) belongs to, so the change feed of
-- an environment (`GET /api/v1/changes`) carries its application's identity changes and no other
-- application's, deleted identities included. NULL for environment and account events.
ALTER TABLE audit_events ADD COLUMN application_id TEXT;

-- A wake-up for the change-feed followers of other processes (server/src/feed.rs): each
-- statement that writes audit events notifies `canopy_changes` when its transaction commits.
-- Only a wake-up: followers still poll, and read the feed itself for what changed.
CREATE FUNCTION canopy_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('canopy_changes', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_events_notify AFTER INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION canopy_notify_changes();

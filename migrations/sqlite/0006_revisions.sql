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

-- PostgreSQL's 0006 also adds a NOTIFY trigger on audit_events, a wake-up for other processes'
-- change-feed followers; SQLite has no notifications (its followers poll).

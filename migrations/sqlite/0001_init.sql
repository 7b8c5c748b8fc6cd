-- Canopy's schema, SQLite dialect. migrations/postgres/0001_init.sql is the same schema line for
-- line; only the header and the lines marked `dialect` differ.
--
-- Both databases: ids are opaque TEXT (UUIDv7 from the service layer), timestamps BIGINT epoch
-- milliseconds, so sorting, comparison and arithmetic behave identically on both backends.
-- Every constraint and index is named, so errors and query plans say which rule is involved.
--
-- SQLite: booleans are INTEGER 0/1 and JSON (audit before/after) is TEXT, both CHECKed. These are
-- what sqlx encodes `bool` and `Json<T>` as on SQLite (BOOLEAN and JSONB on PostgreSQL), so the
-- store binds and decodes the same Rust values on both backends with no per-dialect code.

-- Tenants: every object below belongs to exactly one account.
CREATE TABLE accounts (
    id          TEXT NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT accounts_pkey PRIMARY KEY (id),
    CONSTRAINT accounts_slug_key UNIQUE (slug)
);

-- People who sign in to the portal (platform-wide; memberships give them accounts).
CREATE TABLE admins (
    id                TEXT NOT NULL,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    name              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    CONSTRAINT admins_pkey PRIMARY KEY (id),
    CONSTRAINT admins_email_key UNIQUE (email_normalized)
);

-- Memberships: which admins manage which accounts, as owner or admin.
CREATE TABLE account_members (
    account_id  TEXT NOT NULL,
    admin_id    TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT account_members_pkey PRIMARY KEY (account_id, admin_id),
    CONSTRAINT account_members_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT account_members_admin_fkey FOREIGN KEY (admin_id) REFERENCES admins (id) ON DELETE CASCADE,
    CONSTRAINT account_members_role_check CHECK (role IN ('owner', 'admin'))
);
CREATE INDEX account_members_admin_idx ON account_members (admin_id);

-- Signed-in portal sessions; an admin token is valid only while its session is.
CREATE TABLE admin_sessions (
    id          TEXT NOT NULL,
    admin_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    CONSTRAINT admin_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT admin_sessions_admin_fkey FOREIGN KEY (admin_id) REFERENCES admins (id) ON DELETE CASCADE
);
CREATE INDEX admin_sessions_admin_idx ON admin_sessions (admin_id);

-- The customer's applications, each with its own identities and environments.
CREATE TABLE applications (
    id          TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT applications_pkey PRIMARY KEY (id),
    CONSTRAINT applications_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT applications_slug_key UNIQUE (account_id, slug)
);

-- Environments (development, production, ...) of an application; authorization data lives per environment.
CREATE TABLE environments (
    id              TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    slug            TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT environments_pkey PRIMARY KEY (id),
    CONSTRAINT environments_application_fkey FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT environments_slug_key UNIQUE (application_id, slug)
);

-- The node tree of an environment; id_path (ancestor ids) makes subtree and ancestor look-ups index range scans.
CREATE TABLE nodes (
    id              TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    parent_id       TEXT,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    id_path         TEXT NOT NULL, -- dialect: SQLite compares text bytewise by default
    path            TEXT NOT NULL,
    depth           INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT nodes_pkey PRIMARY KEY (id),
    CONSTRAINT nodes_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT nodes_parent_fkey FOREIGN KEY (parent_id) REFERENCES nodes (id) ON DELETE RESTRICT,
    CONSTRAINT nodes_depth_check CHECK (depth >= 0)
);
CREATE INDEX nodes_environment_path_idx ON nodes (environment_id, id_path);
CREATE INDEX nodes_parent_idx ON nodes (parent_id);

-- People in the customer's application, shared by all its environments.
CREATE TABLE identities (
    id                TEXT NOT NULL,
    application_id    TEXT NOT NULL,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    avatar_url        TEXT,
    status            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CONSTRAINT identities_pkey PRIMARY KEY (id),
    CONSTRAINT identities_application_fkey FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT identities_email_key UNIQUE (application_id, email_normalized),
    CONSTRAINT identities_status_check CHECK (status IN ('active', 'inactive'))
);
CREATE INDEX identities_application_name_idx ON identities (application_id, name, id);

-- Things the customer's application protects (invoices, reports, ...).
CREATE TABLE resources (
    id              TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    created_at      BIGINT NOT NULL,
    CONSTRAINT resources_pkey PRIMARY KEY (id),
    CONSTRAINT resources_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT resources_name_key UNIQUE (environment_id, name)
);

-- Permissions: resource.action pairs (invoices.read) of an environment.
CREATE TABLE permissions (
    id              TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    action          TEXT NOT NULL,
    key             TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT permissions_pkey PRIMARY KEY (id),
    CONSTRAINT permissions_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT permissions_resource_fkey FOREIGN KEY (resource_id) REFERENCES resources (id) ON DELETE CASCADE,
    CONSTRAINT permissions_key_key UNIQUE (environment_id, key)
);
CREATE INDEX permissions_resource_idx ON permissions (resource_id);

-- Named sets of permissions; system roles are reserved for platform administration.
CREATE TABLE roles (
    id              TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    is_system       INTEGER NOT NULL CONSTRAINT roles_is_system_check CHECK (is_system IN (0, 1)), -- dialect
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT roles_pkey PRIMARY KEY (id),
    CONSTRAINT roles_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT roles_name_key UNIQUE (environment_id, name)
);

-- Which permissions each role grants.
CREATE TABLE role_permissions (
    role_id        TEXT NOT NULL,
    permission_id  TEXT NOT NULL,
    CONSTRAINT role_permissions_pkey PRIMARY KEY (role_id, permission_id),
    CONSTRAINT role_permissions_role_fkey FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE,
    CONSTRAINT role_permissions_permission_fkey FOREIGN KEY (permission_id) REFERENCES permissions (id) ON DELETE CASCADE
);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission_id);

-- Assignments: an identity holds a role at a node (and its subtree), optionally between two instants.
CREATE TABLE assignments (
    id              TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    identity_id     TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    role_id         TEXT NOT NULL,
    effective_from  BIGINT,
    effective_to    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT assignments_pkey PRIMARY KEY (id),
    CONSTRAINT assignments_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT assignments_identity_fkey FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    CONSTRAINT assignments_node_fkey FOREIGN KEY (node_id) REFERENCES nodes (id) ON DELETE CASCADE,
    CONSTRAINT assignments_role_fkey FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE,
    -- Also serves look-ups by identity_id (its leading column) and the identity cascade.
    CONSTRAINT assignments_triple_key UNIQUE (identity_id, node_id, role_id),
    CONSTRAINT assignments_window_check CHECK (effective_from IS NULL OR effective_to IS NULL OR effective_to > effective_from)
);
-- The app-wide list. Every index is paid on each of the 10,000-row bulk inserts, so none is
-- redundant: a role or a node belongs to exactly one environment, so (role_id, ...) and
-- (node_id) serve "environment X and role/node Y" as well as an (environment_id, role_id, ...)
-- or (environment_id, node_id) index would, and also the role/node delete cascades.
CREATE INDEX assignments_env_created_idx ON assignments (environment_id, created_at, id);
CREATE INDEX assignments_role_created_idx ON assignments (role_id, created_at, id);
CREATE INDEX assignments_node_idx ON assignments (node_id);
CREATE INDEX assignments_env_window_idx ON assignments (environment_id, effective_from, effective_to);

-- Management API keys; only a SHA-256 of the secret is kept, the prefix finds the key.
CREATE TABLE api_keys (
    id              TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);
CREATE INDEX api_keys_environment_idx ON api_keys (environment_id);

-- The audit log: who did what to which object, with before and after. No foreign key on
-- environment_id: the log outlives a deleted environment (the account owns it).
CREATE TABLE audit_events (
    id              TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    environment_id  TEXT,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT,
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       TEXT,
    before_state    TEXT CONSTRAINT audit_events_before_check CHECK (json_valid(before_state)), -- dialect
    after_state     TEXT CONSTRAINT audit_events_after_check CHECK (json_valid(after_state)), -- dialect
    request_id      TEXT,
    created_at      BIGINT NOT NULL,
    CONSTRAINT audit_events_pkey PRIMARY KEY (id),
    CONSTRAINT audit_events_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT audit_events_actor_check CHECK (actor_type IN ('admin', 'api_key', 'identity', 'system'))
);
CREATE INDEX audit_events_account_created_idx ON audit_events (account_id, created_at);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);

-- First responses of requests sent with an Idempotency-Key, replayed when the request is retried.
CREATE TABLE idempotency_records (
    id             TEXT NOT NULL,
    scope          TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER NOT NULL,
    response_body  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT idempotency_records_pkey PRIMARY KEY (id),
    CONSTRAINT idempotency_records_key UNIQUE (scope, key)
);
-- Expiry sweeps delete by age.
CREATE INDEX idempotency_records_created_idx ON idempotency_records (created_at);

-- Completed bulk-import runs (the portal's import history).
CREATE TABLE bulk_imports (
    id                   TEXT NOT NULL,
    application_id       TEXT NOT NULL,
    environment_id       TEXT,
    file_name            TEXT NOT NULL,
    total_rows           INTEGER NOT NULL,
    succeeded            INTEGER NOT NULL,
    failed               INTEGER NOT NULL,
    mode                 TEXT NOT NULL,
    created_by_admin_id  TEXT,
    created_at           BIGINT NOT NULL,
    CONSTRAINT bulk_imports_pkey PRIMARY KEY (id),
    CONSTRAINT bulk_imports_application_fkey FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT bulk_imports_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT bulk_imports_admin_fkey FOREIGN KEY (created_by_admin_id) REFERENCES admins (id) ON DELETE SET NULL,
    CONSTRAINT bulk_imports_counts_check CHECK (total_rows >= 0 AND succeeded >= 0 AND failed >= 0),
    CONSTRAINT bulk_imports_mode_check CHECK (mode IN ('atomic', 'partial'))
);
CREATE INDEX bulk_imports_application_created_idx ON bulk_imports (application_id, created_at);
CREATE INDEX bulk_imports_environment_idx ON bulk_imports (environment_id);

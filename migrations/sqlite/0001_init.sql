-- Canopy's schema (SQLite; booleans are 0/1 integers, JSON is text). Generated alike for SQLite and PostgreSQL: timestamps are epoch
-- milliseconds (BIGINT) and ids opaque text in both, so both backends sort and compare identically.

-- Tenants: every object below belongs to exactly one account.
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT accounts_slug_key UNIQUE (slug)
);

-- People who sign in to the portal.
CREATE TABLE admins (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    name              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    CONSTRAINT admins_email_key UNIQUE (email_normalized)
);

-- Which admins may manage which accounts.
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
    id          TEXT PRIMARY KEY,
    admin_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    CONSTRAINT admin_sessions_admin_fkey FOREIGN KEY (admin_id) REFERENCES admins (id) ON DELETE CASCADE
);
CREATE INDEX admin_sessions_admin_idx ON admin_sessions (admin_id);

-- The customer's applications.
CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT applications_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT applications_slug_key UNIQUE (account_id, slug)
);

-- development, production, ... of an application.
CREATE TABLE environments (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL,
    slug            TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT environments_application_fkey FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT environments_slug_key UNIQUE (application_id, slug)
);

-- The node tree of an environment; id_path (ancestor ids) makes subtree and ancestor queries index range scans.
CREATE TABLE nodes (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    parent_id       TEXT,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    id_path         TEXT NOT NULL,
    path            TEXT NOT NULL,
    depth           INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT nodes_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT nodes_parent_fkey FOREIGN KEY (parent_id) REFERENCES nodes (id) ON DELETE RESTRICT,
    CONSTRAINT nodes_depth_check CHECK (depth >= 0)
);
CREATE INDEX nodes_environment_path_idx ON nodes (environment_id, id_path);
CREATE INDEX nodes_parent_idx ON nodes (parent_id);

-- People in the customer's application, shared by its environments.
CREATE TABLE identities (
    id                TEXT PRIMARY KEY,
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
    CONSTRAINT identities_application_fkey FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT identities_email_key UNIQUE (application_id, email_normalized),
    CONSTRAINT identities_status_check CHECK (status IN ('active', 'inactive'))
);
CREATE INDEX identities_application_name_idx ON identities (application_id, name, id);

-- Things the customer's application protects (invoices, reports, ...).
CREATE TABLE resources (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    created_at      BIGINT NOT NULL,
    CONSTRAINT resources_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT resources_name_key UNIQUE (environment_id, name)
);

-- resource.action pairs (invoices.read).
CREATE TABLE permissions (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    action          TEXT NOT NULL,
    key             TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT permissions_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT permissions_resource_fkey FOREIGN KEY (resource_id) REFERENCES resources (id) ON DELETE CASCADE,
    CONSTRAINT permissions_key_key UNIQUE (environment_id, key)
);
CREATE INDEX permissions_resource_idx ON permissions (resource_id);

-- Named sets of permissions; system roles are reserved for platform administration.
CREATE TABLE roles (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    is_system       INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT roles_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT roles_name_key UNIQUE (environment_id, name)
);

-- Which permissions a role grants.
CREATE TABLE role_permissions (
    role_id        TEXT NOT NULL,
    permission_id  TEXT NOT NULL,
    CONSTRAINT role_permissions_pkey PRIMARY KEY (role_id, permission_id),
    CONSTRAINT role_permissions_role_fkey FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE,
    CONSTRAINT role_permissions_permission_fkey FOREIGN KEY (permission_id) REFERENCES permissions (id) ON DELETE CASCADE
);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission_id);

-- An identity holds a role at a node (and its subtree), optionally between two instants.
CREATE TABLE assignments (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    identity_id     TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    role_id         TEXT NOT NULL,
    effective_from  BIGINT,
    effective_to    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT assignments_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT assignments_identity_fkey FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    CONSTRAINT assignments_node_fkey FOREIGN KEY (node_id) REFERENCES nodes (id) ON DELETE CASCADE,
    CONSTRAINT assignments_role_fkey FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE,
    CONSTRAINT assignments_triple_key UNIQUE (identity_id, node_id, role_id),
    CONSTRAINT assignments_window_check CHECK (effective_from IS NULL OR effective_to IS NULL OR effective_to > effective_from)
);
-- The app-wide list: newest first, by role, by node, by status window.
CREATE INDEX assignments_env_created_idx ON assignments (environment_id, created_at, id);
CREATE INDEX assignments_env_role_created_idx ON assignments (environment_id, role_id, created_at);
CREATE INDEX assignments_env_node_idx ON assignments (environment_id, node_id);
CREATE INDEX assignments_env_window_idx ON assignments (environment_id, effective_from, effective_to);
CREATE INDEX assignments_node_idx ON assignments (node_id);
CREATE INDEX assignments_role_idx ON assignments (role_id);

-- Management API keys; only a SHA-256 of the secret is kept.
CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT,
    CONSTRAINT api_keys_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);
CREATE INDEX api_keys_environment_idx ON api_keys (environment_id);

-- Every write: who, what, before and after. Kept when the environment goes (the account owns it).
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    environment_id  TEXT,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT,
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       TEXT,
    before_state    TEXT,
    after_state     TEXT,
    request_id      TEXT,
    created_at      BIGINT NOT NULL,
    CONSTRAINT audit_events_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT audit_events_actor_check CHECK (actor_type IN ('admin', 'api_key', 'identity', 'system'))
);
CREATE INDEX audit_events_account_created_idx ON audit_events (account_id, created_at);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);

-- First responses of bulk requests sent with an Idempotency-Key, replayed on retry.
CREATE TABLE idempotency_records (
    id             TEXT PRIMARY KEY,
    scope          TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER NOT NULL,
    response_body  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT idempotency_records_key UNIQUE (scope, key)
);

-- Completed bulk-import wizard runs, for the portal's history.
CREATE TABLE bulk_imports (
    id                   TEXT PRIMARY KEY,
    application_id       TEXT NOT NULL,
    environment_id       TEXT,
    file_name            TEXT NOT NULL,
    total_rows           INTEGER NOT NULL,
    succeeded            INTEGER NOT NULL,
    failed               INTEGER NOT NULL,
    mode                 TEXT NOT NULL,
    created_by_admin_id  TEXT,
    created_at           BIGINT NOT NULL,
    CONSTRAINT bulk_imports_application_fkey FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT bulk_imports_environment_fkey FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
    CONSTRAINT bulk_imports_admin_fkey FOREIGN KEY (created_by_admin_id) REFERENCES admins (id) ON DELETE SET NULL,
    CONSTRAINT bulk_imports_mode_check CHECK (mode IN ('atomic', 'partial'))
);

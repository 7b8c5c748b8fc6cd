//! One folder per feature, so that changing one behaviour means opening one folder: its
//! `routes.rs` (thin handlers: extractors, one service call, the response's shape), its
//! `service.rs` (the rules, the reads and every write, with their audit events), its
//! `docs.rs` (its operations in the OpenAPI document) and its `store.rs` (what it reads and writes
//! in the database: an `impl Store` block over the statements of `store/sql/`).

pub mod api_keys {
    //! Management API keys: list, create, revoke, and the exchange for a token.
    pub mod docs;
    pub mod exchange;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod assignments {
    //! Role assignments: lists and their CSV exports, single and bulk writes (idempotent), summaries.
    pub mod plan;
    pub mod docs;
    pub mod export;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod audit {
    //! The audit log, as admins read it.
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod changes {
    //! The change feed for API clients (`GET /api/v1/changes`).
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod checks {
    //! Permission checks, effective permissions, identity tokens and `/api/v1/me/*`.
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod environments {
    //! An application's environments.
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod health {
    //! Liveness and readiness, and the database health monitor checks rely on.
    pub mod docs;
    pub mod monitor;
    pub mod routes;
    pub mod service;
}
pub mod identities {
    //! An application's identities, one by one and in bulk, and their CSV export.
    pub mod docs;
    pub mod export;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod install {
    //! The command line's first data: the first admin, the demo data.
    pub mod service;
}
pub mod nodes {
    //! An environment's node tree.
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod reference {
    //! The OpenAPI document and the browsable reference over it.
    pub mod docs;
    pub mod routes;
    pub mod service;
}
pub mod roles {
    //! Roles, and the resources and permissions they are made of.
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}
pub mod sessions {
    //! Admin sign-in, refresh, sign-out and `/me`.
    pub mod docs;
    pub mod routes;
    pub mod service;
    mod store;
}

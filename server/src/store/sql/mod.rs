//! The statements of the store, by feature. Each function is written once for both backends
//! (see `store/db.rs`) and called by the `impl Store` blocks of the features (`features/*/store.rs`)
//! and of `store/`.

pub mod api_keys;
pub mod assignment_lists;
pub mod assignments;
pub mod audit;
pub mod batch;
pub mod changes;
pub mod feed;
pub mod folding;
pub mod identities;
pub mod idempotency;
pub mod nodes;
pub mod roles;
pub mod tenants;
pub mod versions;

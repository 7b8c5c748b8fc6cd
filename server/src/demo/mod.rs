//! Generated data, from one generator: the demo's two tenants, `acme` (large, the one the demo
//! admin signs in to) and `globex` (small, there to make tenant isolation visible and testable),
//! and the benchmarks' tenant of any size.
//!
//! [`spec`] says what a dataset is, [`generator`] builds its rows deterministically from the
//! one random sequence of [`rng`]. The demo is
//! a pure function of `now_ms`: the same instant gives the same rows, ids included.

pub mod generator;
pub mod rng;
pub mod spec;

pub use generator::{Generated, GeneratedEnvironment, StatusCounts, Triples, email_part, generate, status_counts};
pub use rng::SplitMix64;
pub use spec::{
    BENCH_ACCOUNT, BENCH_APPLICATION, BENCH_ENVIRONMENT, BenchSizes, DEMO_ACCOUNT, DEMO_ADMIN_EMAIL, DEMO_ADMIN_NAME,
    DEMO_ADMIN_PASSWORD, DEMO_APPLICATION, DEMO_ENVIRONMENTS, DEMO_ROLES, DEMO_SYSTEM_ROLE, DatasetSpec, FIRST_NAMES,
    IdStyle, LAST_NAMES, OTHER_ACCOUNT, OTHER_ADMIN_EMAIL, OTHER_APPLICATION,
};

use crate::store::InsertBatch;

/// The whole demo data set as of `now_ms`, ready for [`crate::store::Store::insert_batch`].
/// `admin_password_hash` (argon2id PHC string) is used for both tenants' admins.
pub fn demo_data(now_ms: i64, admin_password_hash: &str) -> InsertBatch {
    generate(&spec::demo(), now_ms, admin_password_hash).into_batch()
}

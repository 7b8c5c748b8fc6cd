//! PostgreSQL: for deployments that outgrow one file or want a managed database.

use std::time::Duration;

use sqlx::{
    Postgres, Transaction,
    postgres::{PgPool, PgPoolOptions},
};

use super::StoreResult;

/// Appended to text sort keys: the database's default collation follows the cluster's locale;
/// "C" compares by code point, as SQLite does.
pub(super) const SORT_COLLATION: &str = "COLLATE \"C\"";

/// Connects; an unreachable server fails within a few seconds rather than hanging.
pub(super) async fn connect(url: &str) -> StoreResult<PgPool> {
    Ok(PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5)).connect(url).await?)
}

pub(super) async fn migrate(pool: &PgPool) -> StoreResult<()> {
    sqlx::migrate!("../migrations/postgres").run(pool).await?;
    Ok(())
}

pub(super) async fn begin(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    pool.begin_with("BEGIN").await
}

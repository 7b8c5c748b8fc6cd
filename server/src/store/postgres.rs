//! PostgreSQL: for deployments that outgrow one file or want a managed database.

use std::time::Duration;

use sqlx::{
    Postgres,
    postgres::{PgPool, PgPoolOptions},
};

use super::StoreResult;

pub struct PostgresStore {
    pool: PgPool,
    /// Bumped around every write; see [`super::Store::generation`].
    generation: std::sync::atomic::AtomicU64,
}

impl PostgresStore {
    /// Connects; an unreachable server fails within a few seconds rather than hanging.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self { pool, generation: std::sync::atomic::AtomicU64::new(0) })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("../migrations/postgres").run(&self.pool).await?;
        Ok(())
    }
}

super::shared::impl_store!(PostgresStore, Postgres, super::Backend::Postgres, begin = "BEGIN", sort_collation = "COLLATE \"C\"");

//! SQLite: the embedded default. WAL (readers never wait for the writer), a busy timeout instead
//! of immediate `SQLITE_BUSY`, foreign keys on.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Sqlite,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

use super::{StoreError, StoreResult};

pub struct SqliteStore {
    pool: SqlitePool,
    /// Bumped around every write; see [`super::Store::generation`].
    generation: std::sync::atomic::AtomicU64,
}

impl SqliteStore {
    /// Opens (creating when missing, with its directory) the database file named by `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // 32 MiB of page cache per connection (the default is 2 MiB): bulk writes into a
            // table of a million rows touch pages of six B-trees at random, and a cache that
            // holds their upper levels avoids re-reading them from the file for every row.
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory");
        let file = options.get_filename();
        if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| StoreError::Config(format!("cannot create {}: {err}", dir.display())))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool, generation: std::sync::atomic::AtomicU64::new(0) })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("../migrations/sqlite").run(&self.pool).await?;
        Ok(())
    }
}

// `BEGIN IMMEDIATE`: a write transaction takes the write lock up front, so with several pooled
// connections it waits (busy_timeout) instead of failing with SQLITE_BUSY when it upgrades a read.
super::shared::impl_store!(SqliteStore, Sqlite, super::Backend::Sqlite, begin = "BEGIN IMMEDIATE", sort_collation = "");

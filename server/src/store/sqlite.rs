//! SQLite: the embedded default. WAL (readers never wait for the writer), a busy timeout instead
//! of immediate `SQLITE_BUSY`, foreign keys on.
//!
//! Checkpoints run in the background, not in the request that commits. By default SQLite makes
//! the connection whose commit takes the WAL past 1,000 pages copy the whole WAL into the
//! database file and fsync it before `COMMIT` returns; a 10,000-row bulk write dirties thousands
//! of pages of the assignment indexes, so that request would pay for copying all of them. Pool
//! connections therefore run with `wal_autocheckpoint=0`, and [`Checkpointer`] checkpoints from
//! its own connection shortly after writes (PASSIVE: it never blocks readers or the writer) and
//! truncates a WAL grown past [`WAL_KEEP_BYTES`] once writes have paused.

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    ConnectOptions, Sqlite, Transaction,
    sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

use super::{StoreError, StoreResult};

/// How often the checkpointer looks at the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// A WAL file larger than this is truncated once no write has happened for [`TRUNCATE_AFTER_IDLE`]
/// (SQLite otherwise keeps it at its largest size and reuses it).
const WAL_KEEP_BYTES: u64 = 64 * 1024 * 1024;
const TRUNCATE_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Appended to text sort keys: SQLite's default (BINARY) already compares by code point.
pub(super) const SORT_COLLATION: &str = "";

/// Opens (creating when missing, with its directory) the database file named by `url`, and
/// starts its checkpointer.
pub(super) async fn connect(url: &str) -> StoreResult<(SqlitePool, Checkpointer)> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL syncs at checkpoints only: a commit survives a crash of the
        // process, and the last commits before a power loss may roll back (never corrupt).
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        // 32 MiB of page cache per connection (the default is 2 MiB): bulk writes into a
        // table of a million rows touch pages of six B-trees at random, and a cache that
        // holds their upper levels avoids re-reading them from the file for every row.
        .pragma("cache_size", "-32768")
        .pragma("temp_store", "memory")
        // Checkpoints are the background checkpointer's job (see the module comment).
        .pragma("wal_autocheckpoint", "0");
    let file = options.get_filename().to_path_buf();
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|err| StoreError::Config(format!("cannot create {}: {err}", dir.display())))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.clone())
        .await?;
    // Its own connection, so it never waits for (or holds) a pooled one. A short busy
    // timeout: a TRUNCATE that would have to wait is simply tried again later.
    let connection = options.busy_timeout(Duration::from_millis(50)).connect().await?;
    Ok((pool, Checkpointer::start(connection, file)))
}

pub(super) async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::migrate!("../migrations/sqlite").run(pool).await?;
    Ok(())
}

/// SQLite has one writer at a time. Left to SQLite, the writers of this process would each hold
/// a pooled connection and poll for the lock in the busy handler (sleeps of up to 100 ms, no
/// order, `database is locked` once `busy_timeout` runs out), so a burst of writers behind a
/// long bulk write could starve and fail, and would leave no connection for readers. Instead
/// they queue here, first come first served, before taking a connection; the busy timeout is
/// left for writers outside the process (an operator's `sqlite3`, `canopy backup`).
#[derive(Clone, Default)]
pub(crate) struct WriterTurn(Arc<tokio::sync::Mutex<()>>);

/// A writer's turn, held by its transaction; the next writer's comes when it is dropped.
pub(crate) struct Turn(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

/// `BEGIN IMMEDIATE` in this process's writer's turn: a write transaction takes the write lock up
/// front, so it never fails with SQLITE_BUSY when it upgrades a read.
pub(super) async fn begin(pool: &SqlitePool, writer: &WriterTurn) -> (sqlx::Result<Transaction<'static, Sqlite>>, Turn) {
    let turn = Turn(writer.0.clone().lock_owned().await);
    (pool.begin_with("BEGIN IMMEDIATE").await, turn)
}

/// The rowid of the last audit event (0 when there is none): where the change feed is, read
/// inside a write transaction, where no other writer can move it.
pub(super) async fn last_audit_rowid(tx: &mut Transaction<'static, Sqlite>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM audit_events").fetch_one(&mut **tx).await
}

/// The database file as the store opened it: its path and its inode. An open connection keeps
/// reading and writing a file that was removed or renamed (the inode lives on until the last
/// descriptor closes), so only the path says whether the file is still the database: missing
/// or another file (a new inode: restored or copied over) means the store is cut off from the
/// database an operator sees, and the ping fails. A file renamed back is the same
/// inode, and the ping succeeds again.
pub(super) struct DatabaseFile {
    path: std::path::PathBuf,
    identity: (u64, u64),
}

impl DatabaseFile {
    /// The file `url` names, as it is now (just opened); `None` for an in-memory database.
    pub(super) fn opened(url: &str) -> StoreResult<Option<Self>> {
        let options = SqliteConnectOptions::from_str(url)?;
        let path = options.get_filename().to_path_buf();
        match std::fs::metadata(&path) {
            Ok(metadata) => Ok(Some(Self { identity: identity(&metadata), path })),
            // `sqlite::memory:` and friends have no file.
            Err(_) => Ok(None),
        }
    }

    pub(super) fn check(&self) -> StoreResult<()> {
        let unavailable = |why: String| {
            tracing::warn!(path = %self.path.display(), "{why}");
            Err(StoreError::Unavailable(why))
        };
        // stat, never open: closing any descriptor of the file would drop the POSIX locks
        // SQLite's own connections in this process hold on it.
        match std::fs::metadata(&self.path) {
            Ok(metadata) if identity(&metadata) == self.identity => Ok(()),
            Ok(_) => unavailable("the database file was replaced by another file; restart Canopy to serve it".into()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                unavailable("the database file is missing from its path (removed or renamed)".into())
            }
            Err(err) => unavailable(format!("the database file cannot be examined: {err}")),
        }
    }
}

#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The background task that checkpoints the WAL; stopped (and its connection closed) when the
/// store is dropped.
pub(super) struct Checkpointer {
    task: tokio::task::JoinHandle<()>,
}

impl Checkpointer {
    fn start(mut connection: SqliteConnection, file: std::path::PathBuf) -> Self {
        let mut wal = file.into_os_string();
        wal.push("-wal");
        let wal = std::path::PathBuf::from(wal);
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(CHECKPOINT_EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // (frames in the WAL, frames checkpointed) at the last look, and when they last changed.
            let mut last = (-1i64, -1i64);
            let mut quiet_since = tokio::time::Instant::now();
            loop {
                ticker.tick().await;
                let state = match checkpoint(&mut connection, "PASSIVE").await {
                    Ok(state) => state,
                    Err(err) => {
                        tracing::warn!(%err, "WAL checkpoint failed");
                        continue;
                    }
                };
                if state != last {
                    last = state;
                    quiet_since = tokio::time::Instant::now();
                    continue;
                }
                let fully_copied = state.0 == state.1;
                let large = std::fs::metadata(&wal).map(|m| m.len() > WAL_KEEP_BYTES).unwrap_or(false);
                if fully_copied && large && quiet_since.elapsed() >= TRUNCATE_AFTER_IDLE {
                    // Everything is already in the database file: this only resets and shrinks the WAL.
                    match checkpoint(&mut connection, "TRUNCATE").await {
                        Ok(state) => last = state,
                        Err(err) => tracing::debug!(%err, "WAL truncation postponed"),
                    }
                }
            }
        });
        Self { task }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs one checkpoint; `(frames in the WAL, frames checkpointed)`.
async fn checkpoint(connection: &mut SqliteConnection, mode: &str) -> sqlx::Result<(i64, i64)> {
    let sql = match mode {
        "TRUNCATE" => "PRAGMA wal_checkpoint(TRUNCATE)",
        _ => "PRAGMA wal_checkpoint(PASSIVE)",
    };
    use sqlx::Row;
    let row = sqlx::query(sql).fetch_one(&mut *connection).await?;
    let busy: i64 = row.try_get(0)?;
    if busy != 0 && mode == "TRUNCATE" {
        return Err(sqlx::Error::Protocol("the WAL is in use".into()));
    }
    Ok((row.try_get(1)?, row.try_get(2)?))
}

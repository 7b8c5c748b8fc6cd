//! `canopy backup` and `canopy restore`: a consistent copy of a SQLite database, taken while the
//! server is serving it, and putting such a copy back.
//!
//! **Backup** runs `VACUUM INTO` on a connection of its own. It reads the whole database inside
//! one read transaction, so the copy is the database as of one instant: every transaction
//! committed before it began, none of the ones that commit while it runs. In WAL mode a reader
//! never waits for the writer nor holds it up, so the server keeps serving and writing. SQLite's
//! online-backup API (`sqlite3_backup_*`) would do as well, but sqlx does not expose it: it would
//! mean unsafe FFI through a raw handle and a direct `libsqlite3-sys` dependency kept in step
//! with sqlx's, for no gain here (VACUUM INTO also writes the copy compacted). The copy is
//! written next to the destination under a temporary name, checked (`PRAGMA integrity_check`,
//! `foreign_key_check`, a migration history this binary knows), flushed to disk and only then
//! renamed over the destination: a failed backup never leaves a half-written file there, nor
//! destroys the previous one.
//!
//! **Restore** refuses a copy that fails those checks or was made by a newer Canopy (migrations
//! this binary does not have), and refuses while anything has the target open: it switches the
//! target out of WAL mode with a zero busy timeout, which SQLite allows only to the sole
//! connection, and then holds it in exclusive locking mode until the swap is done, so a server
//! that starts meanwhile waits and fails instead of opening a file about to be replaced. The
//! copy goes to a temporary file next to the target, is checked there, and is renamed into
//! place; the previous database is kept beside it (`<file>.before-restore-<ms>`), and stale
//! `-wal` / `-shm` files are removed (a WAL left from another database would corrupt the new
//! one). The next `canopy serve` applies the migrations the copy is missing.
//!
//! PostgreSQL has its own tools for both (`pg_dump`, `pg_restore`), and both commands say so.

use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use sqlx::{
    Connection, Row,
    sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteLockingMode},
};

/// What to use instead on PostgreSQL.
pub const POSTGRES_BACKUP: &str = "on PostgreSQL use pg_dump: pg_dump --format=custom --file=FILE \"$DATABASE_URL\"";
pub const POSTGRES_RESTORE: &str =
    "on PostgreSQL use pg_restore into a stopped server's database: pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" FILE";

/// A finished backup.
#[derive(Debug)]
pub struct Backup {
    pub database: PathBuf,
    pub file: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
}

impl fmt::Display for Backup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Backed up {} to {} ({} bytes, schema version {}; integrity_check ok).",
            self.database.display(),
            self.file.display(),
            self.bytes,
            self.schema_version
        )
    }
}

/// A finished restore.
#[derive(Debug)]
pub struct Restore {
    pub database: PathBuf,
    pub from: PathBuf,
    pub schema_version: i64,
    /// Where the database that was there before is kept, if there was one.
    pub previous: Option<PathBuf>,
}

impl fmt::Display for Restore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Restored {} into {} (schema version {}).", self.from.display(), self.database.display(), self.schema_version)?;
        if let Some(previous) = &self.previous {
            write!(f, " The previous database is kept as {}.", previous.display())?;
        }
        write!(f, " Start canopy to serve it.")
    }
}

/// Copies the SQLite database `database_url` names to `to`, consistently, while it may be in use.
pub async fn backup(database_url: &str, to: &Path) -> Result<Backup, String> {
    let database = sqlite_file(database_url, POSTGRES_BACKUP)?;
    if !database.is_file() {
        return Err(format!("there is no database at {}", database.display()));
    }
    if same_database(&database, to) {
        return Err(format!("{} is the database itself (or its -wal / -shm file); back up to another file", to.display()));
    }
    let temporary = temporary_beside(to, "partial")?;
    let result = async {
        let mut source = connect(&database, |options| options.busy_timeout(Duration::from_secs(10))).await?;
        let target = temporary.to_str().ok_or_else(|| format!("{} is not a UTF-8 path", temporary.display()))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&mut source).await.map_err(|err| format!("the copy failed: {err}"))?;
        source.close().await.map_err(|err| err.to_string())?;
        let schema_version = verify(&temporary).await?;
        sync_file(&temporary)?;
        std::fs::rename(&temporary, to).map_err(|err| format!("cannot move the copy to {}: {err}", to.display()))?;
        sync_parent(to)?;
        let bytes = std::fs::metadata(to).map(|metadata| metadata.len()).unwrap_or(0);
        Ok(Backup { database: database.clone(), file: to.to_path_buf(), bytes, schema_version })
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Replaces the SQLite database `database_url` names with the backup `from`; refuses while the
/// database is open anywhere (stop the server first).
pub async fn restore(database_url: &str, from: &Path) -> Result<Restore, String> {
    let database = sqlite_file(database_url, POSTGRES_RESTORE)?;
    if !from.is_file() {
        return Err(format!("there is no backup at {}", from.display()));
    }
    if same_database(&database, from) {
        return Err(format!("{} is the database itself; restore from a backup file", from.display()));
    }
    if let Some(dir) = database.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    }
    // Checked before anything touches the database, so a refused backup changes nothing.
    verify(from).await.map_err(|err| format!("{} cannot be restored: {err}", from.display()))?;
    // Held until the new file is in place: nothing else can open the old one meanwhile.
    let lock = if database.exists() { Some(lock_unused(&database).await?) } else { None };

    let temporary = temporary_beside(&database, "restoring")?;
    let result = async {
        std::fs::copy(from, &temporary).map_err(|err| format!("cannot copy {}: {err}", from.display()))?;
        // The bytes that go into place, checked again (a copy can fail halfway too).
        let schema_version = verify(&temporary).await.map_err(|err| format!("the copy of {} is damaged: {err}", from.display()))?;
        sync_file(&temporary)?;
        let previous = if database.exists() {
            let kept = sibling(&database, &format!("before-restore-{}", app::dto::Timestamp::now().as_millis()));
            std::fs::rename(&database, &kept).map_err(|err| format!("cannot move the current database aside: {err}"))?;
            Some(kept)
        } else {
            None
        };
        for suffix in ["-wal", "-shm"] {
            let stale = suffixed(&database, suffix);
            match std::fs::remove_file(&stale) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(format!("cannot remove the stale {}: {err}", stale.display()));
                }
                _ => {}
            }
        }
        std::fs::rename(&temporary, &database).map_err(|err| format!("cannot move the copy into place: {err}"))?;
        sync_parent(&database)?;
        Ok(Restore { database: database.clone(), from: from.to_path_buf(), schema_version, previous })
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    if let Some(lock) = lock {
        let _ = lock.close().await;
    }
    result
}

/// The file of a `sqlite:` URL; PostgreSQL gets `instead`.
fn sqlite_file(database_url: &str, instead: &str) -> Result<PathBuf, String> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return Err(format!("backup and restore are for SQLite databases; {instead}"));
    }
    if !database_url.starts_with("sqlite:") {
        return Err("DATABASE_URL must start with sqlite:// for backup and restore".into());
    }
    let options = SqliteConnectOptions::from_str(database_url).map_err(|err| format!("invalid DATABASE_URL: {err}"))?;
    let file = options.get_filename().to_path_buf();
    if file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:") {
        return Err("an in-memory database has no file to back up or restore".into());
    }
    Ok(file)
}

/// Opens `file` (never creating it) with the options `adjust` adds.
async fn connect(file: &Path, adjust: impl FnOnce(SqliteConnectOptions) -> SqliteConnectOptions) -> Result<SqliteConnection, String> {
    let options = adjust(SqliteConnectOptions::new().filename(file).create_if_missing(false));
    SqliteConnection::connect_with(&options).await.map_err(|err| format!("cannot open {}: {err}", file.display()))
}

/// A connection that has the database to itself, in exclusive locking mode: refused (one line)
/// when any other connection, such as a running server's, has it open.
async fn lock_unused(database: &Path) -> Result<SqliteConnection, String> {
    let in_use = || format!("{} is in use (is canopy serving it?); stop the server, then restore", database.display());
    let options = |options: SqliteConnectOptions| {
        // Leaving WAL needs the only connection; with no busy timeout, another one is an error.
        options.busy_timeout(Duration::ZERO).locking_mode(SqliteLockingMode::Exclusive).journal_mode(SqliteJournalMode::Delete)
    };
    let mut connection = connect(database, options).await.map_err(|err| if err.contains("locked") || err.contains("busy") { in_use() } else { err })?;
    // Takes the exclusive lock, which exclusive locking mode keeps after the commit.
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut connection).await.map_err(|_| in_use())?;
    sqlx::query("COMMIT").execute(&mut connection).await.map_err(|err| err.to_string())?;
    Ok(connection)
}

/// The checks a copy must pass: SQLite's own (`integrity_check` also evaluates every CHECK
/// constraint, `foreign_key_check` every reference) and a migration history of this binary's
/// migrations only. Returns the copy's latest migration.
async fn verify(file: &Path) -> Result<i64, String> {
    let mut connection = connect(file, |options| options.read_only(true)).await?;
    let checked = async {
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut connection)
            .await
            .map_err(|err| format!("{} is not a readable SQLite database: {err}", file.display()))?;
        if integrity != ["ok"] {
            return Err(format!("integrity_check failed: {}", integrity.join("; ")));
        }
        let dangling = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut connection).await.map_err(|err| err.to_string())?;
        if !dangling.is_empty() {
            return Err(format!("foreign_key_check found {} rows with dangling references", dangling.len()));
        }
        let applied: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut connection)
            .await
            .map_err(|_| "it is not a Canopy database (no migration history)".to_owned())?
            .iter()
            .map(|row| row.get::<i64, _>(0))
            .collect();
        let known: Vec<i64> = sqlx::migrate!("../migrations/sqlite").iter().map(|migration| migration.version).collect();
        let newest_known = known.iter().copied().max().unwrap_or(0);
        if let Some(unknown) = applied.iter().find(|version| !known.contains(version)) {
            return Err(format!(
                "it was written by a newer Canopy (migration {unknown}; this one knows up to {newest_known}): restore it with that version"
            ));
        }
        applied.last().copied().ok_or_else(|| "it is not a Canopy database (no migration applied)".to_owned())
    }
    .await;
    let _ = connection.close().await;
    checked
}

/// Whether `other` names the database file or one of its companions.
fn same_database(database: &Path, other: &Path) -> bool {
    let resolve = |path: &Path| -> Option<PathBuf> {
        let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Some(dir.canonicalize().ok()?.join(path.file_name()?))
    };
    let (Some(database), Some(other)) = (resolve(database), resolve(other)) else { return false };
    [database.clone(), suffixed(&database, "-wal"), suffixed(&database, "-shm"), suffixed(&database, "-journal")].contains(&other)
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `<path>.<what>`.
fn sibling(path: &Path, what: &str) -> PathBuf {
    suffixed(path, &format!(".{what}"))
}

/// A fresh temporary name in the directory of `path` (so the final rename stays on one file
/// system, which is what makes it atomic).
fn temporary_beside(path: &Path, what: &str) -> Result<PathBuf, String> {
    let name = path.file_name().ok_or_else(|| format!("{} names no file", path.display()))?;
    let temporary = path.with_file_name(format!(".{}.{what}-{}", name.to_string_lossy(), std::process::id()));
    match std::fs::remove_file(&temporary) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot remove the leftover {}: {err}", temporary.display())),
        _ => Ok(temporary),
    }
}

fn sync_file(path: &Path) -> Result<(), String> {
    std::fs::File::open(path).and_then(|file| file.sync_all()).map_err(|err| format!("cannot flush {}: {err}", path.display()))
}

/// Flushes the directory entry of a rename (best effort where directories cannot be opened).
fn sync_parent(path: &Path) -> Result<(), String> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match std::fs::File::open(dir) {
        Ok(dir) => dir.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

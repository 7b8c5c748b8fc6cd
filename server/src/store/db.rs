//! The pool of either backend, and how one piece of code runs on whichever it is.
//!
//! SQLite and PostgreSQL agree on every statement Canopy issues (numbered `$n` placeholders,
//! `RETURNING`-free inserts, integer timestamps), so each statement and its decoding is written
//! once. [`on_db!`] and [`on_tx!`] expand an expression once per backend, with the pool (or the
//! transaction's connection) bound to a name: the body is type-checked against each backend's
//! concrete types, and compile errors and go-to-definition point at the body itself, in an
//! ordinary method. Booleans and JSON need no per-backend code: sqlx encodes `bool` and `Json<T>`
//! as what each schema declares (INTEGER 0/1 and TEXT on SQLite, BOOLEAN and JSONB on PostgreSQL).
//!
//! The few helpers shared by many statements are generic over `sqlx::Database` instead, with
//! the bounds they need written on them.

use sqlx::{
    Connection, Database, Encode, Executor, FromRow, IntoArguments, PgPool, Pool, Postgres, QueryBuilder, Sqlite, SqlitePool, Transaction, Type,
    postgres::PgRow,
    sqlite::SqliteRow,
    database::HasStatementCache,
    query::QueryAs,
    query_builder::Separated,
};

use std::sync::Arc;

use super::{Backend, StoreError, StoreResult, Unique, commits::Commits, revision::{Revision, Snapshot}, postgres, sqlite};

/// Multi-row inserts are chunked so one statement stays under SQLite's 32,766 bind parameters
/// (PostgreSQL allows 65,535).
pub const MAX_BINDS_PER_STATEMENT: usize = 30_000;

/// Binds per statement for `IN (...)` lists of ids.
pub(super) const IDS_PER_STATEMENT: usize = 5_000;

/// The connection pool, of the backend `DATABASE_URL` named, with what the process knows of its
/// own writes: SQLite's writer queue ([`sqlite::WriterTurn`]), and what each commit tells the
/// change-feed follower and the response ([`Commits`]).
pub(crate) enum Db {
    Sqlite(SqlitePool, sqlite::WriterTurn, Arc<Commits>),
    Postgres(PgPool, Arc<Commits>),
}

/// A write transaction, begun as its backend wants ([`Db::begin`]); SQLite's holds the writer's
/// turn until it is committed or dropped, and the feed position it began after.
pub(super) enum Tx {
    Sqlite(Transaction<'static, Sqlite>, sqlite::Turn, i64, Arc<Commits>),
    Postgres(Transaction<'static, Postgres>, PgPool, Arc<Commits>),
}

/// `on_db!(&self.db, |pool| body)`: `body` once per backend, `pool` its `&Pool<_>`.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::store::db::Db::Sqlite($pool, ..) => $body,
            $crate::store::db::Db::Postgres($pool, _) => $body,
        }
    };
}

/// `on_tx!(&mut tx, |conn| body)`: `body` once per backend, `conn` the transaction's
/// `&mut <Backend>Connection` (reborrow it, `&mut *conn`, for each statement).
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::db::Tx::Sqlite(tx, ..) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::store::db::Tx::Postgres(tx, ..) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub(super) use {on_db, on_tx};

/// What text sort keys of `backend` are followed by, so that both databases sort by code point.
pub fn sort_collation(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => sqlite::SORT_COLLATION,
        Backend::Postgres => postgres::SORT_COLLATION,
    }
}

impl Db {
    pub(super) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(..) => Backend::Postgres,
        }
    }

    /// Appended to text sort keys, so that both databases sort by code point.
    pub(super) fn sort_collation(&self) -> &'static str {
        sort_collation(self.backend())
    }

    pub(super) async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(pool, writer, commits) => {
                let (tx, turn) = sqlite::begin(pool, writer).await;
                let mut tx = tx.map_err(map_db_error)?;
                let after = sqlite::last_audit_rowid(&mut tx).await.map_err(map_db_error)?;
                Tx::Sqlite(tx, turn, after, commits.clone())
            }
            Db::Postgres(pool, commits) => Tx::Postgres(postgres::begin(pool).await.map_err(map_db_error)?, pool.clone(), commits.clone()),
        })
    }

    pub(super) async fn migrate(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(pool, ..) => sqlite::migrate(pool).await,
            Db::Postgres(pool, _) => postgres::migrate(pool).await,
        }
    }
}

/// A record that decodes from a row of either backend (`#[derive(sqlx::FromRow)]`).
pub(super) trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// The statements of the simple look-ups: constant SQL and text binds.
impl Db {
    /// The row `sql` selects, if any.
    pub(super) async fn fetch_optional<T: Record>(&self, sql: &'static str, binds: &[&str]) -> StoreResult<Option<T>> {
        on_db!(self, |pool| bind_all(sqlx::query_as(sql), binds).fetch_optional(pool).await).map_err(map_db_error)
    }

    /// Every row `sql` selects.
    pub(super) async fn fetch_all<T: Record>(&self, sql: &'static str, binds: &[&str]) -> StoreResult<Vec<T>> {
        on_db!(self, |pool| bind_all(sqlx::query_as(sql), binds).fetch_all(pool).await).map_err(map_db_error)
    }
}

fn bind_all<'q, DB, T>(mut query: QueryAs<'q, DB, T, DB::Arguments>, binds: &[&'q str]) -> QueryAs<'q, DB, T, DB::Arguments>
where
    DB: Database,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
{
    for bind in binds {
        query = query.bind(*bind);
    }
    query
}

impl Tx {
    /// Commits, then tells [`Commits`] the write's place in the change feed, if it wrote audit
    /// events (every data write does; sessions and idempotency records are not in the feed).
    pub(super) async fn commit(self) -> StoreResult<()> {
        match self {
            // The turn is handed on once the commit has returned.
            Tx::Sqlite(mut tx, _turn, after, commits) => {
                let last = sqlite::last_audit_rowid(&mut tx).await.map_err(map_db_error)?;
                tx.commit().await.map_err(map_db_error)?;
                if last > after {
                    commits.committed(Some(Revision::Rowid(last)));
                }
            }
            Tx::Postgres(mut tx, pool, commits) => {
                let wrote: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM audit_events WHERE xact_id = pg_current_xact_id_if_assigned())",
                )
                .fetch_one(&mut *tx)
                .await
                .map_err(map_db_error)?;
                tx.commit().await.map_err(map_db_error)?;
                if wrote {
                    // The write's revision: a snapshot taken after its commit, so it sees it
                    // (and is a place in the feed, unlike the transaction's own id).
                    // It is committed whatever happens now: without a snapshot the response just
                    // carries no revision.
                    let after: Result<String, _> = sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(&pool).await;
                    commits.committed(after.ok().as_deref().and_then(Snapshot::parse).map(Revision::Snapshot));
                }
            }
        }
        Ok(())
    }
}

pub(super) fn map_db_error(err: sqlx::Error) -> StoreError {
    use sqlx::error::ErrorKind;
    let Some(db) = err.as_database_error() else { return StoreError::Database(err) };
    match db.kind() {
        // PostgreSQL names the constraint; SQLite lists its columns in the message.
        ErrorKind::UniqueViolation => StoreError::Conflict(db.constraint().map_or_else(|| Unique::described(db.message()), Unique::named)),
        ErrorKind::ForeignKeyViolation | ErrorKind::CheckViolation | ErrorKind::NotNullViolation => StoreError::Constraint,
        _ => StoreError::Database(err),
    }
}

/// `LIKE` pattern for a case-insensitive substring match (`\` escapes the wildcards).
pub(super) fn like_pattern(term: &str) -> String {
    let escaped = app::dto::fold_case(term).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub(super) fn sort_direction(order: app::dto::SortOrder) -> &'static str {
    match order {
        app::dto::SortOrder::Asc => "ASC",
        app::dto::SortOrder::Desc => "DESC",
    }
}

/// Appends ` ($1, $2, ...)` for `values`.
pub(super) fn push_in_list<DB>(builder: &mut QueryBuilder<DB>, values: &[&str])
where
    DB: Database,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
{
    builder.push(" (");
    let mut separated = builder.separated(", ");
    for value in values {
        separated.push_bind(*value);
    }
    separated.push_unseparated(")");
}

/// `INSERT INTO <table> (<columns>) VALUES (...), (...)` for `rows`, in chunks of at most
/// [`MAX_BINDS_PER_STATEMENT`] binds, on the transaction's connection.
pub(super) async fn insert_rows<C, DB, T>(
    conn: &mut C,
    table: &str,
    columns: &[&str],
    rows: &[T],
    bind: impl Fn(Separated<'_, DB, &'static str>, &T),
) -> StoreResult<()>
where
    C: Connection<Database = DB>,
    DB: Database + HasStatementCache,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut C: Executor<'c, Database = DB>,
{
    let per_statement = (MAX_BINDS_PER_STATEMENT / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut builder = QueryBuilder::<DB>::new(format!("INSERT INTO {table} ({}) ", columns.join(", ")));
        builder.push_values(chunk, |separated, row| bind(separated, row));
        // Not cached: each chunk size is a different statement, used once per batch.
        builder.build().persistent(false).execute(&mut *conn).await.map_err(map_db_error)?;
    }
    Ok(())
}

/// The rows `build(chunk)` selects for each chunk of `values` of at most `per_statement`, in
/// order: how a look-up of 10,000 ids stays under the bind limit.
pub(super) async fn fetch_chunked<DB, V, T>(
    pool: &Pool<DB>,
    values: &[V],
    per_statement: usize,
    build: impl Fn(&[V]) -> QueryBuilder<DB>,
) -> StoreResult<Vec<T>>
where
    DB: Database + HasStatementCache,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let mut found = Vec::with_capacity(values.len());
    for chunk in values.chunks(per_statement) {
        // Not cached: the statement differs with the chunk's length.
        found.extend(build(chunk).build_query_as().persistent(false).fetch_all(pool).await.map_err(map_db_error)?);
    }
    Ok(found)
}

/// `columns` of the rows of `table` whose `id` is one of `ids`, that `belongs` to the caller's
/// tenant. By primary key alone (on a table without statistics a tenant condition in the WHERE
/// clause would lead the planner to walk the tenant's index instead); the tenant is checked on
/// the rows found.
pub(super) async fn rows_by_ids<DB, T>(
    pool: &Pool<DB>,
    columns: &str,
    table: &str,
    ids: &[&str],
    belongs: impl Fn(&T) -> bool,
) -> StoreResult<Vec<T>>
where
    DB: Database + HasStatementCache,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let mut found: Vec<T> = fetch_chunked(pool, ids, IDS_PER_STATEMENT, |chunk| {
        let mut builder = QueryBuilder::new(format!("SELECT {columns} FROM {table} WHERE id IN"));
        push_in_list(&mut builder, chunk);
        builder
    })
    .await?;
    found.retain(|row| belongs(row));
    Ok(found)
}

/// Bumps the write generation now and again when dropped, i.e. after the write has committed
/// or failed: a derivation that overlaps the write in any way sees a change.
pub(crate) struct Bump<'a>(&'a std::sync::atomic::AtomicU64);

impl<'a> Bump<'a> {
    pub(super) fn start(generation: &'a std::sync::atomic::AtomicU64) -> Self {
        generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Bump(generation)
    }
}

impl Drop for Bump<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

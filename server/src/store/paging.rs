//! "Count the matches, then fetch the page": the one way every list with a total is read.

use futures_util::TryStreamExt;
use sqlx::{Database, database::HasStatementCache, Encode, Executor, FromRow, IntoArguments, Pool, QueryBuilder, Type};
use tokio::sync::mpsc;

use super::{StoreResult, db::map_db_error};

/// Which of the two statements a list's query builder is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selecting {
    /// `SELECT COUNT(*) FROM ...`: one column, the number of matching rows (a list whose
    /// filters need fewer joins than its rows may leave them out here).
    Count,
    /// `SELECT <the row's columns> FROM ...`.
    Rows,
}

impl Selecting {
    /// `count` or `rows`.
    pub fn pick<'a>(self, count: &'a str, rows: &'a str) -> &'a str {
        match self {
            Selecting::Count => count,
            Selecting::Rows => rows,
        }
    }
}

/// A page's order and bounds.
pub(super) struct Page {
    /// The ORDER BY keys, directions included; they end with a unique key (the id), so pages
    /// never overlap.
    pub order_by: String,
    pub limit: i64,
    pub offset: i64,
}

/// Counts the rows `query(Selecting::Count)` selects, then, unless the page starts past them,
/// fetches `query(Selecting::Rows)` in `page.order_by`, `LIMIT page.limit OFFSET page.offset`.
/// `query` builds `SELECT ... FROM ... WHERE ...` and nothing after.
pub(super) async fn count_then_page<DB, T>(
    pool: &Pool<DB>,
    query: impl Fn(Selecting) -> QueryBuilder<DB>,
    page: &Page,
) -> StoreResult<(Vec<T>, i64)>
where
    DB: Database + HasStatementCache,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    // Every list statement differs by its filters: none is worth a cached prepared statement.
    let total: i64 = query(Selecting::Count).build_query_scalar().persistent(false).fetch_one(pool).await.map_err(map_db_error)?;
    if total == 0 || page.offset >= total {
        return Ok((Vec::new(), total));
    }
    let mut rows = query(Selecting::Rows);
    push_page(&mut rows, &page.order_by, page.limit, page.offset);
    let rows = rows.build_query_as().persistent(false).fetch_all(pool).await.map_err(map_db_error)?;
    Ok((rows, total))
}

/// Every row `query` (`SELECT ... FROM ... WHERE ...`) selects, in `order_by`, sent to `rows`
/// as the database hands them over: one statement, so one snapshot on both databases (no row
/// twice or missed while others write), and memory bounded by the channel, not the result. Ends
/// early, without an error, when the receiver is gone (the client went away).
pub(super) async fn stream_rows<DB, T>(pool: &Pool<DB>, mut query: QueryBuilder<DB>, order_by: &str, rows: &mpsc::Sender<T>) -> StoreResult<()>
where
    DB: Database + HasStatementCache,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    query.push(" ORDER BY ").push(order_by);
    let mut stream = query.build_query_as::<T>().persistent(false).fetch(pool);
    while let Some(row) = stream.try_next().await.map_err(map_db_error)? {
        if rows.send(row).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Appends ` ORDER BY <order_by> LIMIT <limit> OFFSET <offset>`.
pub fn push_page<DB>(builder: &mut QueryBuilder<DB>, order_by: &str, limit: i64, offset: i64)
where
    DB: Database,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    builder.push(" ORDER BY ").push(order_by);
    builder.push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
}

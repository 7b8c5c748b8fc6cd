//! The audit log: written inside every write's transaction, read newest first.

use sqlx::QueryBuilder;

use crate::store::{
    AuditEvent, AuditFilter, StoreResult,
    db::{Db, Tx, insert_rows, map_db_error, on_db, on_tx},
    paging::{Page, Selecting, count_then_page, stream_rows},
};
use tokio::sync::mpsc;

pub(super) const AUDIT_COLUMNS: [&str; 13] =
    ["id", "account_id", "environment_id", "application_id", "actor_type", "actor_id", "action", "target_type", "target_id", "before_state", "after_state", "request_id", "created_at"];

/// What an event row is read as: the columns of [`AuditEvent`], not `*` (PostgreSQL's table also
/// has the change feed's `xact_id`, an `xid8` that the record does not carry).
fn select_events() -> String {
    format!("SELECT {} FROM audit_events", AUDIT_COLUMNS.join(", "))
}

/// The events of a write, in its transaction.
pub(in crate::store) async fn insert_audit_events(tx: &mut Tx, events: &[AuditEvent]) -> StoreResult<()> {
    on_tx!(tx, |conn| insert_rows(conn, "audit_events", &AUDIT_COLUMNS, events, |mut row, e| {
        row.push_bind(e.id.as_str())
            .push_bind(e.account_id.as_str())
            .push_bind(e.environment_id.as_deref())
            .push_bind(e.application_id.as_deref())
            .push_bind(e.actor_type.as_str())
            .push_bind(e.actor_id.as_deref())
            .push_bind(e.action.as_str())
            .push_bind(e.target_type.as_str())
            .push_bind(e.target_id.as_deref())
            .push_bind(e.before.as_ref().map(sqlx::types::Json))
            .push_bind(e.after.as_ref().map(sqlx::types::Json))
            .push_bind(e.request_id.as_deref())
            .push_bind(e.created_at);
    })
    .await)
}

pub async fn recent_audit_events(db: &Db, account_id: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
    let sql = format!("{} WHERE account_id = $1 ORDER BY {AUDIT_ORDER} LIMIT $2", select_events());
    on_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
    .map_err(map_db_error)
}

/// Newest first; events of one write share a millisecond and their UUIDv7 ids keep their order.
const AUDIT_ORDER: &str = "created_at DESC, id DESC";

/// The audit list's `SELECT ... FROM audit_events WHERE ...`, for the count or the rows.
fn audit_query<DB>(filter: &AuditFilter, rows: &str, selecting: Selecting) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let select = selecting.pick("SELECT COUNT(*) FROM audit_events", rows);
    let mut builder = QueryBuilder::new(format!("{select} WHERE account_id = "));
    builder.push_bind(filter.account_id.as_str());
    if let Some(env) = &filter.environment_id {
        builder.push(" AND environment_id = ").push_bind(env.as_str());
    }
    if let Some(actor) = &filter.actor_id {
        builder.push(" AND actor_id = ").push_bind(actor.as_str());
    }
    if let Some(target) = &filter.target_id {
        builder.push(" AND target_id = ").push_bind(target.as_str());
    }
    if let Some(action) = &filter.action {
        // The action itself, or one of its family: a prefix compared as text (LIKE would read
        // the `_` of `api_key` as a wildcard).
        let family = format!("{action}.");
        builder.push(" AND (action = ").push_bind(action.as_str());
        builder.push(format!(" OR substr(action, 1, {}) = ", family.len())).push_bind(family);
        builder.push(")");
    }
    if let Some(from) = filter.from {
        builder.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        builder.push(" AND created_at < ").push_bind(to);
    }
    builder
}

pub async fn audit_page(db: &Db, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(Vec<AuditEvent>, i64)> {
    let page = Page { order_by: AUDIT_ORDER.to_owned(), limit, offset };
    let rows = select_events();
    on_db!(db, |pool| count_then_page(pool, |selecting| audit_query(filter, &rows, selecting), &page).await)
}

/// Every event `filter` selects, newest first, sent to `rows` as read (see `stream_rows`).
pub async fn stream_audit_events(db: &Db, filter: &AuditFilter, rows: &mpsc::Sender<AuditEvent>) -> StoreResult<()> {
    let select = select_events();
    on_db!(db, |pool| stream_rows(pool, audit_query(filter, &select, Selecting::Rows), AUDIT_ORDER, rows).await)
}

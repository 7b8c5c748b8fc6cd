//! The identities of an application (shared by its environments), and bulk-import runs.

use sqlx::QueryBuilder;

use super::audit::insert_audit_events;
use crate::store::{
    AuditEvent, BulkImport, Identity, IdentityCounts, IdentityPageSpec, StoreResult,
    db::{Db, IDS_PER_STATEMENT, Record, fetch_chunked, like_pattern, map_db_error, on_db, on_tx, push_in_list, rows_by_ids, sort_direction},
    paging::{Page, Selecting, count_then_page, stream_rows},
};
use tokio::sync::mpsc;
use app::dto::{IdentitySort, IdentityStatus};

pub async fn identity_by_email(db: &Db, application_id: &str, email_normalized: &str) -> StoreResult<Option<Identity>> {
    db.fetch_optional("SELECT * FROM identities WHERE application_id = $1 AND email_normalized = $2", &[application_id, email_normalized]).await
}

pub async fn identity_by_id(db: &Db, application_id: &str, id: &str) -> StoreResult<Option<Identity>> {
    db.fetch_optional("SELECT * FROM identities WHERE application_id = $1 AND id = $2", &[application_id, id]).await
}

pub async fn identities_by_ids(db: &Db, application_id: &str, ids: &[&str]) -> StoreResult<Vec<Identity>> {
    on_db!(db, |pool| rows_by_ids(pool, "*", "identities", ids, |found: &Identity| found.application_id == application_id).await)
}

/// `(id, status)` of those of `ids` that exist in the application; see the trait.
pub async fn identity_statuses(db: &Db, application_id: &str, ids: &[&str]) -> StoreResult<Vec<(String, IdentityStatus)>> {
    // The usual case is that every identity exists and is active: count them first, one row
    // back instead of one row per id. (Ids are primary keys, so a count equal to the number of
    // distinct ids means each of them matched.)
    let distinct: std::collections::HashSet<&str> = ids.iter().copied().collect();
    let ids: Vec<&str> = distinct.into_iter().collect();
    let counts: Vec<(i64,)> = on_db!(db, |pool| fetch_chunked(pool, &ids, IDS_PER_STATEMENT, |chunk| {
        // The tenant and status are tested on the rows the primary key finds; in the WHERE
        // clause they would lead a planner without statistics to the application's index and a
        // walk over all its identities.
        let mut builder = QueryBuilder::new("SELECT COALESCE(SUM(CASE WHEN application_id = ");
        builder.push_bind(application_id).push(" AND status = 'active' THEN 1 ELSE 0 END), 0) FROM identities WHERE id IN");
        push_in_list(&mut builder, chunk);
        builder
    })
    .await)?;
    if counts.iter().map(|(active,)| active).sum::<i64>() == ids.len() as i64 {
        return Ok(ids.iter().map(|id| ((*id).to_owned(), IdentityStatus::Active)).collect());
    }
    let found: Vec<(String, String, IdentityStatus)> = on_db!(db, |pool| rows_by_ids(pool, "id, application_id, status", "identities", &ids, |(_, application, _): &(String, String, IdentityStatus)| application == application_id).await)?;
    Ok(found.into_iter().map(|(id, _, status)| (id, status)).collect())
}

/// The identity list's ORDER BY keys; `collation` is the backend's for text keys.
fn identity_order(spec: &IdentityPageSpec, collation: &str) -> String {
    let key = match spec.sort {
        IdentitySort::Name => format!("name_folded {collation}"),
        IdentitySort::Email => format!("email_normalized {collation}"),
        IdentitySort::CreatedAt => "created_at".to_owned(),
    };
    let direction = sort_direction(spec.page.order);
    format!("{key} {direction}, id {direction}")
}

/// The identity list's `SELECT ... FROM ... WHERE ...`, for the count or the rows.
fn identity_list_query<DB>(application_id: &str, spec: &IdentityPageSpec, pattern: Option<&str>, selecting: Selecting) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let select = selecting.pick("SELECT COUNT(*)", "SELECT *");
    let mut builder = QueryBuilder::new(format!("{select} FROM identities WHERE application_id = "));
    builder.push_bind(application_id);
    if let Some(pattern) = pattern {
        builder.push(" AND (name_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
        builder.push(" OR email_normalized LIKE ").push_bind(pattern).push(" ESCAPE '\\')");
    }
    if let Some(status) = spec.status {
        builder.push(" AND status = ").push_bind(status.as_str());
    }
    builder
}

pub async fn identity_page(db: &Db, application_id: &str, spec: &IdentityPageSpec) -> StoreResult<(Vec<Identity>, i64)> {
    let pattern = spec.page.search.as_deref().map(like_pattern);
    let page = Page { order_by: identity_order(spec, db.sort_collation()), limit: spec.page.limit, offset: spec.page.offset };
    on_db!(db, |pool| {
        let query = |selecting: Selecting| identity_list_query(application_id, spec, pattern.as_deref(), selecting);
        count_then_page(pool, query, &page).await
    })
}

/// Every identity of the list under `spec` (its bounds are not used), sent to `rows` as read.
pub async fn stream_identities(db: &Db, application_id: &str, spec: &IdentityPageSpec, rows: &mpsc::Sender<Identity>) -> StoreResult<()> {
    let pattern = spec.page.search.as_deref().map(like_pattern);
    let order_by = identity_order(spec, db.sort_collation());
    on_db!(db, |pool| {
        let builder = identity_list_query(application_id, spec, pattern.as_deref(), Selecting::Rows);
        stream_rows(pool, builder, &order_by, rows).await
    })
}

pub async fn identity_counts(db: &Db, application_id: &str) -> StoreResult<IdentityCounts> {
    on_db!(db, |pool| sqlx::query_as(
        "SELECT COUNT(*) AS total, COUNT(CASE WHEN status = 'active' THEN 1 END) AS active, \
                COUNT(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.identity_id = i.id) THEN 1 END) AS with_assignments \
         FROM identities i WHERE application_id = $1"
    )
    .bind(application_id)
    .fetch_one(pool)
    .await)
    .map_err(map_db_error)
}

/// `SELECT <columns> FROM identities` of the application with these normalized emails.
async fn by_emails<T: Record>(db: &Db, columns: &str, application_id: &str, emails: &[String]) -> StoreResult<Vec<T>> {
    let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
    on_db!(db, |pool| fetch_chunked(pool, &emails, IDS_PER_STATEMENT, |chunk| {
        let mut builder = QueryBuilder::new(format!("SELECT {columns} FROM identities WHERE application_id = "));
        builder.push_bind(application_id).push(" AND email_normalized IN");
        push_in_list(&mut builder, chunk);
        builder
    })
    .await)
}

pub async fn identity_emails_taken(db: &Db, application_id: &str, emails: &[String]) -> StoreResult<Vec<String>> {
    let found: Vec<(String,)> = by_emails(db, "email_normalized", application_id, emails).await?;
    Ok(found.into_iter().map(|(email,)| email).collect())
}

pub async fn identities_by_emails(db: &Db, application_id: &str, emails: &[String]) -> StoreResult<Vec<Identity>> {
    by_emails(db, "*", application_id, emails).await
}

pub async fn insert_bulk_import(db: &Db, import: &BulkImport, audit: &[AuditEvent]) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |conn| sqlx::query(
        "INSERT INTO bulk_imports (id, application_id, environment_id, file_name, total_rows, succeeded, failed, mode, \
         created_by_admin_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(&import.id)
    .bind(&import.application_id)
    .bind(&import.environment_id)
    .bind(&import.file_name)
    .bind(import.total_rows as i32)
    .bind(import.succeeded as i32)
    .bind(import.failed as i32)
    .bind(&import.mode)
    .bind(&import.created_by_admin_id)
    .bind(import.created_at)
    .execute(&mut *conn)
    .await
    .map(drop))
    .map_err(map_db_error)?;
    insert_audit_events(&mut tx, audit).await?;
    tx.commit().await
}

//! Role assignments: look-ups, the duplicate check of bulk writes, the write of one request,
//! an identity's assignments with their places, and the grants checks read.

use sqlx::QueryBuilder;

use super::{audit::insert_audit_events, idempotency::insert_idempotency};
use crate::store::{
    Assignment, AssignmentPlace, AssignmentWrite, Grant, StoreResult,
    db::{Db, IDS_PER_STATEMENT, Tx, fetch_chunked, insert_rows, map_db_error, on_db, on_tx, push_in_list},
};

const ASSIGNMENT_COLUMNS: [&str; 9] =
    ["id", "environment_id", "identity_id", "node_id", "role_id", "effective_from", "effective_to", "created_at", "updated_at"];

pub async fn assignment_by_id(db: &Db, environment_id: &str, id: &str) -> StoreResult<Option<Assignment>> {
    db.fetch_optional("SELECT * FROM assignments WHERE environment_id = $1 AND id = $2", &[environment_id, id]).await
}

pub async fn assignments_by_ids(db: &Db, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Assignment>> {
    on_db!(db, |pool| fetch_chunked(pool, ids, IDS_PER_STATEMENT, |chunk| {
        let mut builder = QueryBuilder::new("SELECT * FROM assignments WHERE environment_id = ");
        builder.push_bind(environment_id).push(" AND id IN");
        push_in_list(&mut builder, chunk);
        builder
    })
    .await)
}

pub async fn assignments_for_identity(db: &Db, identity_id: &str) -> StoreResult<Vec<Assignment>> {
    db.fetch_all("SELECT * FROM assignments WHERE identity_id = $1 ORDER BY created_at, id", &[identity_id]).await
}

/// Up to `limit` after `(created_at, id)`, along the `(environment_id, created_at, id)` index.
pub async fn assignments_in_environment(db: &Db, environment_id: &str, after: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<Assignment>> {
    let (created_at, id) = after.unwrap_or((i64::MIN, ""));
    on_db!(db, |pool| sqlx::query_as(
        "SELECT * FROM assignments WHERE environment_id = $1 AND created_at >= $2 AND (created_at > $2 OR id > $3) \
         ORDER BY created_at, id LIMIT $4"
    )
    .bind(environment_id)
    .bind(created_at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await)
    .map_err(map_db_error)
}

/// Which of these `(identity, node, role)` triples already have an assignment.
pub async fn existing_triples(db: &Db, triples: &[(&str, &str, &str)]) -> StoreResult<Vec<(String, String, String)>> {
    on_db!(db, |pool| fetch_chunked(pool, triples, IDS_PER_STATEMENT / 3, |chunk| {
        let mut builder =
            QueryBuilder::new("SELECT identity_id, node_id, role_id FROM assignments WHERE (identity_id, node_id, role_id) IN (VALUES ");
        let mut separated = builder.separated(", ");
        for (identity_id, node_id, role_id) in chunk {
            separated.push("(");
            separated.push_bind_unseparated(*identity_id);
            separated.push_unseparated(", ");
            separated.push_bind_unseparated(*node_id);
            separated.push_unseparated(", ");
            separated.push_bind_unseparated(*role_id);
            separated.push_unseparated(")");
        }
        builder.push(")");
        builder
    })
    .await)
}

/// Multi-row inserts of `rows`, in the caller's transaction.
pub(in crate::store) async fn insert_assignment_rows(tx: &mut Tx, rows: &[Assignment]) -> StoreResult<()> {
    on_tx!(tx, |conn| insert_rows(conn, "assignments", &ASSIGNMENT_COLUMNS, rows, |mut row, a| {
        row.push_bind(a.id.as_str())
            .push_bind(a.environment_id.as_str())
            .push_bind(a.identity_id.as_str())
            .push_bind(a.node_id.as_str())
            .push_bind(a.role_id.as_str())
            .push_bind(a.effective_from)
            .push_bind(a.effective_to)
            .push_bind(a.created_at)
            .push_bind(a.updated_at);
    })
    .await)
}

/// Every assignment change of one request, with its audit events and idempotency record, in
/// one transaction.
pub async fn write_assignments(db: &Db, write: &AssignmentWrite) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    if let Some(expected) = &write.expect {
        super::versions::expect_version(&mut tx, expected).await?;
    }
    on_tx!(&mut tx, |conn| {
        for chunk in write.deletes.chunks(IDS_PER_STATEMENT) {
            let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let mut builder = QueryBuilder::new("DELETE FROM assignments WHERE id IN");
            push_in_list(&mut builder, &ids);
            builder.build().persistent(false).execute(&mut *conn).await?;
        }
        for row in &write.updates {
            sqlx::query("UPDATE assignments SET role_id = $1, effective_from = $2, effective_to = $3, updated_at = $4 WHERE id = $5")
                .bind(&row.role_id)
                .bind(row.effective_from)
                .bind(row.effective_to)
                .bind(row.updated_at)
                .bind(&row.id)
                .execute(&mut *conn)
                .await?;
        }
        if let Some((ids, role_id, updated_at)) = &write.role_change {
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
                let mut builder = QueryBuilder::new("UPDATE assignments SET role_id = ");
                builder.push_bind(role_id.as_str()).push(", updated_at = ").push_bind(*updated_at).push(" WHERE id IN");
                push_in_list(&mut builder, &ids);
                builder.build().persistent(false).execute(&mut *conn).await?;
            }
        }
        Ok::<_, sqlx::Error>(())
    })
    .map_err(map_db_error)?;
    insert_assignment_rows(&mut tx, &write.inserts).await?;
    insert_audit_events(&mut tx, &write.audit).await?;
    if let Some(record) = &write.idempotency {
        insert_idempotency(&mut tx, record).await?;
    }
    tx.commit().await
}

/// Assignments of these identities in every environment, with names, newest first.
pub async fn assignment_places(db: &Db, identity_ids: &[&str]) -> StoreResult<Vec<AssignmentPlace>> {
    on_db!(db, |pool| fetch_chunked(pool, identity_ids, IDS_PER_STATEMENT, |chunk| {
        let mut builder = QueryBuilder::new(
            "SELECT a.*, e.slug AS environment_slug, r.name AS role_name, n.name AS node_name, n.path AS node_path \
             FROM assignments a JOIN environments e ON e.id = a.environment_id JOIN roles r ON r.id = a.role_id \
             JOIN nodes n ON n.id = a.node_id WHERE a.identity_id IN",
        );
        push_in_list(&mut builder, chunk);
        builder.push(" ORDER BY a.created_at DESC, a.id DESC");
        builder
    })
    .await)
}

/// Permission grants of identities in an environment, active at `at_ms`; see the trait.
pub async fn grants(
    db: &Db,
    environment_id: &str,
    identity_ids: &[&str],
    nodes: Option<&[String]>,
    permission_key: Option<&str>,
    at_ms: i64,
) -> StoreResult<Vec<Grant>> {
    if identity_ids.is_empty() || nodes.is_some_and(<[String]>::is_empty) {
        return Ok(Vec::new());
    }
    let nodes: Option<Vec<&str>> = nodes.map(|nodes| nodes.iter().map(String::as_str).collect());
    let order_by = format!(" ORDER BY a.identity_id, p.key {}, a.id", db.sort_collation());
    on_db!(db, |pool| {
        let mut builder = QueryBuilder::new(
            "SELECT a.identity_id, p.key AS permission_key, a.id AS assignment_id, a.role_id, r.name AS role_name, a.node_id, n.name AS node_name \
             FROM assignments a JOIN roles r ON r.id = a.role_id JOIN role_permissions rp ON rp.role_id = a.role_id \
             JOIN permissions p ON p.id = rp.permission_id JOIN nodes n ON n.id = a.node_id WHERE a.environment_id = ",
        );
        builder.push_bind(environment_id).push(" AND a.identity_id IN");
        push_in_list(&mut builder, identity_ids);
        builder.push(" AND (a.effective_from IS NULL OR a.effective_from <= ").push_bind(at_ms);
        builder.push(") AND (a.effective_to IS NULL OR a.effective_to > ").push_bind(at_ms).push(")");
        if let Some(nodes) = &nodes {
            builder.push(" AND a.node_id IN");
            push_in_list(&mut builder, nodes);
        }
        if let Some(key) = permission_key {
            builder.push(" AND p.key = ").push_bind(key);
        }
        builder.push(&order_by);
        builder.build_query_as().persistent(false).fetch_all(pool).await
    })
    .map_err(map_db_error)
}

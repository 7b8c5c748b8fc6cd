//! Rows of every table written together (`InsertBatch`): the demo data, provisioning, and the
//! inserts of a `ChangeSet`. Also the whole database's row counts.

use app::dto::fold_case;

use super::{assignments::insert_assignment_rows, audit::insert_audit_events, idempotency::insert_idempotency};
use crate::store::{
    InsertBatch, Node, StoreResult, TableCounts,
    db::{Db, Tx, insert_rows, map_db_error, on_db, on_tx},
};

pub async fn insert_batch(db: &Db, batch: &InsertBatch) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    insert_all(&mut tx, batch).await?;
    if let Some(record) = &batch.idempotency {
        insert_idempotency(&mut tx, record).await?;
    }
    tx.commit().await
}

/// Every row of the batch, in foreign-key order, inside the caller's transaction.
pub(in crate::store) async fn insert_all(tx: &mut Tx, batch: &InsertBatch) -> StoreResult<()> {
    // Parents before children, so the self-referencing foreign key holds row by row.
    let mut nodes: Vec<&Node> = batch.nodes.iter().collect();
    nodes.sort_by_key(|node| node.depth);
    on_tx!(tx, |conn| {
        insert_rows(conn, "accounts", &["id", "slug", "name", "created_at"], &batch.accounts, |mut row, a| {
            row.push_bind(a.id.as_str()).push_bind(a.slug.as_str()).push_bind(a.name.as_str()).push_bind(a.created_at);
        })
        .await?;
        insert_rows(conn, "admins", &["id", "email", "email_normalized", "name", "password_hash", "created_at"], &batch.admins, |mut row, a| {
            row.push_bind(a.id.as_str())
                .push_bind(a.email.as_str())
                .push_bind(a.email_normalized.as_str())
                .push_bind(a.name.as_str())
                .push_bind(a.password_hash.as_str())
                .push_bind(a.created_at);
        })
        .await?;
        insert_rows(conn, "account_members", &["account_id", "admin_id", "role", "created_at"], &batch.memberships, |mut row, m| {
            row.push_bind(m.account_id.as_str()).push_bind(m.admin_id.as_str()).push_bind(m.role.as_str()).push_bind(m.created_at);
        })
        .await?;
        insert_rows(conn, "applications", &["id", "account_id", "slug", "name", "created_at"], &batch.applications, |mut row, a| {
            row.push_bind(a.id.as_str()).push_bind(a.account_id.as_str()).push_bind(a.slug.as_str()).push_bind(a.name.as_str()).push_bind(a.created_at);
        })
        .await?;
        insert_rows(conn, "environments", &["id", "application_id", "slug", "name", "created_at"], &batch.environments, |mut row, e| {
            row.push_bind(e.id.as_str()).push_bind(e.application_id.as_str()).push_bind(e.slug.as_str()).push_bind(e.name.as_str()).push_bind(e.created_at);
        })
        .await?;
        insert_rows(
            conn,
            "nodes",
            &["id", "environment_id", "parent_id", "name", "name_folded", "kind", "id_path", "path", "path_folded", "depth", "created_at", "updated_at"],
            &nodes,
            |mut row, n| {
                row.push_bind(n.id.as_str())
                    .push_bind(n.environment_id.as_str())
                    .push_bind(n.parent_id.as_deref())
                    .push_bind(n.name.as_str())
                    .push_bind(fold_case(&n.name))
                    .push_bind(n.kind.as_str())
                    .push_bind(n.id_path.as_str())
                    .push_bind(n.path.as_str())
                    .push_bind(fold_case(&n.path))
                    .push_bind(n.depth)
                    .push_bind(n.created_at)
                    .push_bind(n.updated_at);
            },
        )
        .await?;
        insert_rows(
            conn,
            "identities",
            &["id", "application_id", "first_name", "last_name", "name", "name_folded", "email", "email_normalized", "avatar_url", "status", "created_at", "updated_at"],
            &batch.identities,
            |mut row, i| {
                row.push_bind(i.id.as_str())
                    .push_bind(i.application_id.as_str())
                    .push_bind(i.first_name.as_str())
                    .push_bind(i.last_name.as_str())
                    .push_bind(i.name.as_str())
                    .push_bind(fold_case(&i.name))
                    .push_bind(i.email.as_str())
                    .push_bind(i.email_normalized.as_str())
                    .push_bind(i.avatar_url.as_deref())
                    .push_bind(i.status.as_str())
                    .push_bind(i.created_at)
                    .push_bind(i.updated_at);
            },
        )
        .await?;
        insert_rows(conn, "resources", &["id", "environment_id", "name", "description", "created_at"], &batch.resources, |mut row, r| {
            row.push_bind(r.id.as_str()).push_bind(r.environment_id.as_str()).push_bind(r.name.as_str()).push_bind(r.description.as_deref()).push_bind(r.created_at);
        })
        .await?;
        insert_rows(conn, "permissions", &["id", "environment_id", "resource_id", "action", "key", "created_at"], &batch.permissions, |mut row, p| {
            row.push_bind(p.id.as_str())
                .push_bind(p.environment_id.as_str())
                .push_bind(p.resource_id.as_str())
                .push_bind(p.action.as_str())
                .push_bind(p.key.as_str())
                .push_bind(p.created_at);
        })
        .await?;
        insert_rows(
            conn,
            "roles",
            &["id", "environment_id", "name", "name_folded", "description", "is_system", "created_at", "updated_at"],
            &batch.roles,
            |mut row, r| {
                row.push_bind(r.id.as_str())
                    .push_bind(r.environment_id.as_str())
                    .push_bind(r.name.as_str())
                    .push_bind(fold_case(&r.name))
                    .push_bind(r.description.as_deref())
                    .push_bind(r.is_system)
                    .push_bind(r.created_at)
                    .push_bind(r.updated_at);
            },
        )
        .await?;
        insert_rows(conn, "role_permissions", &["role_id", "permission_id"], &batch.role_permissions, |mut row, rp| {
            row.push_bind(rp.role_id.as_str()).push_bind(rp.permission_id.as_str());
        })
        .await
    })?;
    insert_assignment_rows(tx, &batch.assignments).await?;
    on_tx!(tx, |conn| insert_rows(
        conn,
        "api_keys",
        &["id", "environment_id", "name", "prefix", "secret_hash", "created_at", "last_used_at", "revoked_at"],
        &batch.api_keys,
        |mut row, k| {
            row.push_bind(k.id.as_str())
                .push_bind(k.environment_id.as_str())
                .push_bind(k.name.as_str())
                .push_bind(k.prefix.as_str())
                .push_bind(k.secret_hash.as_str())
                .push_bind(k.created_at)
                .push_bind(k.last_used_at)
                .push_bind(k.revoked_at);
        },
    )
    .await)?;
    insert_audit_events(tx, &batch.audit_events).await
}

pub async fn counts(db: &Db) -> StoreResult<TableCounts> {
    on_db!(db, |pool| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM admins) AS admins, \
         (SELECT COUNT(*) FROM applications) AS applications, (SELECT COUNT(*) FROM environments) AS environments, \
         (SELECT COUNT(*) FROM nodes) AS nodes, (SELECT COUNT(*) FROM identities) AS identities, \
         (SELECT COUNT(*) FROM resources) AS resources, (SELECT COUNT(*) FROM permissions) AS permissions, \
         (SELECT COUNT(*) FROM roles) AS roles, (SELECT COUNT(*) FROM role_permissions) AS role_permissions, \
         (SELECT COUNT(*) FROM assignments) AS assignments, (SELECT COUNT(*) FROM api_keys) AS api_keys, \
         (SELECT COUNT(*) FROM audit_events) AS audit_events"
    )
    .fetch_one(pool)
    .await)
    .map_err(map_db_error)
}

/// One round trip.
pub async fn ping(db: &Db) -> StoreResult<()> {
    on_db!(db, |pool| sqlx::query("SELECT 1").execute(pool).await.map(drop)).map_err(map_db_error)
}

//! `ChangeSet`: the updates and deletes of one directory request (identities, roles, nodes,
//! environments, API keys), then its inserts, in one transaction.

use app::dto::fold_case;
use sqlx::QueryBuilder;

use super::batch::insert_all;
use crate::store::{
    ChangeSet, StoreResult, WriteOp,
    db::{Db, IDS_PER_STATEMENT, Tx, map_db_error, on_tx, push_in_list},
};

pub async fn apply_changes(db: &Db, changes: &ChangeSet) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    for op in &changes.ops {
        apply(&mut tx, op).await?;
    }
    insert_all(&mut tx, &changes.inserts).await?;
    tx.commit().await
}

async fn apply(tx: &mut Tx, op: &WriteOp) -> StoreResult<()> {
    if let WriteOp::Expect(expected) = op {
        return super::versions::expect_version(tx, expected).await;
    }
    on_tx!(tx, |conn| match op {
        WriteOp::Expect(_) => Ok(()),
        WriteOp::UpdateIdentity(i) => sqlx::query(
            "UPDATE identities SET first_name = $1, last_name = $2, name = $3, email = $4, email_normalized = $5, \
             avatar_url = $6, status = $7, updated_at = $8, name_folded = $10 WHERE id = $9",
        )
        .bind(&i.first_name)
        .bind(&i.last_name)
        .bind(&i.name)
        .bind(&i.email)
        .bind(&i.email_normalized)
        .bind(&i.avatar_url)
        .bind(&i.status)
        .bind(i.updated_at)
        .bind(&i.id)
        .bind(fold_case(&i.name))
        .execute(&mut *conn)
        .await
        .map(drop),
        WriteOp::DeleteIdentity(id) => sqlx::query("DELETE FROM identities WHERE id = $1").bind(id).execute(&mut *conn).await.map(drop),
        WriteOp::UpdateRole(r) => sqlx::query("UPDATE roles SET name = $1, description = $2, updated_at = $3, name_folded = $5 WHERE id = $4")
            .bind(&r.name)
            .bind(&r.description)
            .bind(r.updated_at)
            .bind(&r.id)
            .bind(fold_case(&r.name))
            .execute(&mut *conn)
            .await
            .map(drop),
        WriteOp::DeleteRole(id) => sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&mut *conn).await.map(drop),
        WriteOp::ClearRolePermissions(role_id) => {
            sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(role_id).execute(&mut *conn).await.map(drop)
        }
        WriteOp::RewriteSubtree { node: n, old_id_path, old_path, depth_delta } => {
            sqlx::query("UPDATE nodes SET name = $1, kind = $2, parent_id = $3, updated_at = $4, name_folded = $6 WHERE id = $5")
                .bind(&n.name)
                .bind(&n.kind)
                .bind(&n.parent_id)
                .bind(n.updated_at)
                .bind(&n.id)
                .bind(fold_case(&n.name))
                .execute(&mut *conn)
                .await?;
            // The node and its descendants: new prefixes, shifted depth; each descendant's path
            // changed, so its version moves on too (past its own, if it was written this
            // millisecond), while the node keeps the version set above.
            sqlx::query(
                "UPDATE nodes SET id_path = $1 || SUBSTR(id_path, $2), path = $3 || SUBSTR(path, $4), \
                 path_folded = $9 || SUBSTR(path_folded, $10), \
                 depth = depth + $5, \
                 updated_at = CASE WHEN id = $11 THEN updated_at WHEN updated_at >= $6 THEN updated_at + 1 ELSE $6 END \
                 WHERE environment_id = $7 AND id_path LIKE $8",
            )
            .bind(&n.id_path)
            .bind(old_id_path.chars().count() as i32 + 1)
            .bind(&n.path)
            .bind(old_path.chars().count() as i32 + 1)
            .bind(*depth_delta)
            .bind(n.updated_at)
            .bind(&n.environment_id)
            .bind(format!("{old_id_path}%"))
            // fold_case folds one character at a time, so a descendant's folded path is the
            // folded new prefix followed by the rest of its folded path.
            .bind(fold_case(&n.path))
            .bind(fold_case(old_path).chars().count() as i32 + 1)
            .bind(&n.id)
            .execute(&mut *conn)
            .await
            .map(drop)
        }
        WriteOp::DeleteNodes(levels) => {
            for level in levels {
                for chunk in level.chunks(IDS_PER_STATEMENT) {
                    let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
                    let mut builder = QueryBuilder::new("DELETE FROM nodes WHERE id IN");
                    push_in_list(&mut builder, &ids);
                    builder.build().persistent(false).execute(&mut *conn).await?;
                }
            }
            Ok(())
        }
        WriteOp::UpdateEnvironment(e) => sqlx::query("UPDATE environments SET slug = $1, name = $2 WHERE id = $3")
            .bind(&e.slug)
            .bind(&e.name)
            .bind(&e.id)
            .execute(&mut *conn)
            .await
            .map(drop),
        WriteOp::DeleteEnvironment(id) => {
            // Nodes reference their parents with RESTRICT: clear the tree first.
            sqlx::query("UPDATE nodes SET parent_id = NULL WHERE environment_id = $1").bind(id).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM environments WHERE id = $1").bind(id).execute(&mut *conn).await.map(drop)
        }
        WriteOp::RevokeApiKey { id, at } => sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(*at)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(drop),
    })
    .map_err(map_db_error)
}

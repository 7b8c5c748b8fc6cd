//! The node tree of an environment: look-ups, the paged list, subtrees.

use sqlx::QueryBuilder;

use crate::store::{
    Node, PageSpec, StoreResult,
    db::{Db, like_pattern, map_db_error, on_db, rows_by_ids, sort_direction},
    paging::{Page, Selecting, count_then_page},
};

pub async fn nodes(db: &Db, environment_id: &str) -> StoreResult<Vec<Node>> {
    db.fetch_all("SELECT * FROM nodes WHERE environment_id = $1 ORDER BY id_path", &[environment_id]).await
}

pub async fn nodes_by_ids(db: &Db, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Node>> {
    on_db!(db, |pool| rows_by_ids(pool, "*", "nodes", ids, |found: &Node| found.environment_id == environment_id).await)
}

pub async fn node_ids(db: &Db, environment_id: &str) -> StoreResult<Vec<String>> {
    on_db!(db, |pool| sqlx::query_scalar("SELECT id FROM nodes WHERE environment_id = $1").bind(environment_id).fetch_all(pool).await)
        .map_err(map_db_error)
}

pub async fn node_by_id(db: &Db, environment_id: &str, id: &str) -> StoreResult<Option<Node>> {
    db.fetch_optional("SELECT * FROM nodes WHERE environment_id = $1 AND id = $2", &[environment_id, id]).await
}

pub async fn node_page(db: &Db, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Node>, i64)> {
    let pattern = spec.search.as_deref().map(like_pattern);
    // Paths sort parents before their children (" / " sorts before any name character).
    let order_by = format!("path {} {}, id", db.sort_collation(), sort_direction(spec.order));
    let page = Page { order_by, limit: spec.limit, offset: spec.offset };
    on_db!(db, |pool| {
        let query = |selecting: Selecting| {
            let select = selecting.pick("SELECT COUNT(*)", "SELECT *");
            let mut builder = QueryBuilder::new(format!("{select} FROM nodes WHERE environment_id = "));
            builder.push_bind(environment_id);
            if let Some(pattern) = &pattern {
                builder.push(" AND (name_folded LIKE ").push_bind(pattern.as_str()).push(" ESCAPE '\\'");
                builder.push(" OR path_folded LIKE ").push_bind(pattern.as_str()).push(" ESCAPE '\\')");
            }
            builder
        };
        count_then_page(pool, query, &page).await
    })
}

/// Direct children, and assignments in the node's whole subtree.
pub async fn node_usage(db: &Db, target: &Node) -> StoreResult<(i64, i64)> {
    on_db!(db, |pool| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM nodes WHERE parent_id = $1) AS children, \
                (SELECT COUNT(*) FROM assignments a JOIN nodes n ON n.id = a.node_id \
                 WHERE n.environment_id = $2 AND n.id_path LIKE $3) AS assignments"
    )
    .bind(&target.id)
    .bind(&target.environment_id)
    .bind(format!("{}%", target.id_path))
    .fetch_one(pool)
    .await)
    .map_err(map_db_error)
}

pub async fn subtree(db: &Db, target: &Node) -> StoreResult<Vec<Node>> {
    on_db!(db, |pool| sqlx::query_as("SELECT * FROM nodes WHERE environment_id = $1 AND id_path LIKE $2 ORDER BY depth DESC, id")
        .bind(&target.environment_id)
        .bind(format!("{}%", target.id_path))
        .fetch_all(pool)
        .await)
    .map_err(map_db_error)
}
